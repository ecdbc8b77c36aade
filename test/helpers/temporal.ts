// The tests' Temporal is the one benches use too (src/stack/local-temporal.ts), under the names tests know.
export { localTemporalAddress as testTemporalAddress, uniqueTaskQueue } from '../../src/stack/local-temporal';
