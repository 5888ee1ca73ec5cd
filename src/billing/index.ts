export { grantCredits, debitCredits, microToDollars, MICRO_PER_DOLLAR, type CreditChange } from './credits.js';
