export * from './test-clock';
export * from './wait-for';
export * from './free-port';
export * from './log-capture';
export * from './call-off-thread';
export * from './stalled-request';
export * from './forged-cursor';
