import { Module } from '@nestjs/common';
import { HandlesRun, OperationRunsModule, type RunHandler } from '#libs/operation-runs';
import { PROBE_TYPES, ProbeRunsModule } from './probe-runs.module.js';

/** Module sets that must not boot: a run type without a handler, with two, or declared twice. */
const probeActive = PROBE_TYPES.filter((definition) => definition.type === 'probe_active');

@HandlesRun('probe_active')
class SecondProbeActiveHandler implements RunHandler<'probe_active'> {
  async execute(): Promise<void> {}
}

@Module({ imports: [OperationRunsModule.forFeature(probeActive)] })
class TypeWithoutHandlerModule {}

@Module({ providers: [SecondProbeActiveHandler] })
class SecondHandlerModule {}

@Module({ imports: [OperationRunsModule.forFeature(probeActive)] })
class DuplicateTypeModule {}

export const BOOT_VARIANTS = {
  sound: [ProbeRunsModule],
  'no-handler': [TypeWithoutHandlerModule],
  'two-handlers': [ProbeRunsModule, SecondHandlerModule],
  'duplicate-type': [ProbeRunsModule, DuplicateTypeModule],
};
