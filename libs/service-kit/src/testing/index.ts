export * from './test-clock';
export * from './wait-for';
export * from './free-port';
