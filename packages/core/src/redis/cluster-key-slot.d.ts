// Types for cluster-key-slot (the CRC16 slot function node-redis and ioredis route with).
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
