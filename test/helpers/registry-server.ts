// The tests' registry is the one benches start too (src/stack/local-registry.ts), under the names tests know.
export {
  startLocalRegistry as startTestRegistry,
  type LocalRegistry as TestRegistry,
  type LocalRegistryOptions as TestRegistryOptions,
} from '../../src/stack/local-registry';
