import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { RunExecutor } from './run-executor.js';
import { RUN_HANDLER, type RunHandler } from './run-handler.js';
import { RunTypeRegistry } from './run-type.registry.js';

/**
 * Finds the `@HandlesRun` providers of every module at boot and hands them to the executor. Boot
 * fails unless every registered run type has exactly one handler and every handler a registered type.
 */
@Injectable()
export class RunHandlerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly registry: RunTypeRegistry,
    private readonly executor: RunExecutor,
  ) {}

  onModuleInit(): void {
    const handlers = new Map<string, RunHandler>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance) continue;
      const type = this.reflector.get<string | undefined>(RUN_HANDLER, wrapper.metatype);
      if (!type) continue;
      if (handlers.has(type)) throw new Error(`Run type "${type}" has two handlers.`);
      if (!this.registry.find(type))
        throw new Error(`Handler for unregistered run type "${type}".`);
      handlers.set(type, wrapper.instance as RunHandler);
    }
    const missing = this.registry.all().filter((definition) => !handlers.has(definition.type));
    if (missing.length) {
      throw new Error(`Run types without a handler: ${missing.map((d) => d.type).join(', ')}.`);
    }
    this.executor.setHandlers(handlers);
  }
}
