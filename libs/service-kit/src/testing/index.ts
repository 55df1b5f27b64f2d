export * from './test-clock';
export * from './wait-for';
