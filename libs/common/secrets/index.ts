export * from './secret-cipher.js';
