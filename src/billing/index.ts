export { grantCredits, debitCredits, insufficientCredits, formatDollars, MICRO_PER_DOLLAR, type CreditChange } from './credits.js';
