// The console's entry: styles, the theme, and the app mounted into index.html's #app.
import { render } from 'preact';
import './styles.css';
import './theme.js';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
