export { grantCredits, debitCredits, formatDollars, MICRO_PER_DOLLAR, type CreditChange } from './credits.js';
