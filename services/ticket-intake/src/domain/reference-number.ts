// P3 reference numbers live in libs/contracts: notification reads them in mail subjects too (P8).
export { generateReference, parseReference, REFERENCE_ALPHABET, type RandomBytes } from '@tss/contracts';
