/**
 * Rendering's tools from the local toolchain: kubectl (Kustomize) and helm (charts), each built
 * from Go modules the first time an app needs it, with progress on `log`; an env override
 * (`GKEFLOW_KUBECTL_BIN`, `GKEFLOW_HELM_BIN`) is used first.
 */
import { ensureToolchain } from '../toolchain/toolchain';
import type { RenderDeps } from './render';

export function toolchainRenderDeps(log?: (line: string) => void): RenderDeps {
  return {
    kubectl: async () => (await ensureToolchain({ only: ['kubernetes'], log })).kubectl,
    helm: async () => {
      const { helm } = await ensureToolchain({ only: ['helm'], log });
      if (!helm) throw new Error('the toolchain provided no helm'); // `only: ['helm']` always provides it
      return helm;
    },
  };
}
