import { Injectable } from '@nestjs/common';
import type { Capability } from '#libs/authz';
import type { RunJobOptions, RunType, RunTypeDefinition } from './run-types.js';

const DEFAULT_JOB: RunJobOptions = { attempts: 3, backoffMs: 5000 };

/** Every run type the process knows, registered by the families at init. */
@Injectable()
export class RunTypeRegistry {
  private readonly types = new Map<string, RunTypeDefinition>();

  register(definition: RunTypeDefinition): void {
    if (this.types.has(definition.type)) {
      throw new Error(`Run type "${definition.type}" is registered twice.`);
    }
    this.types.set(definition.type, definition);
  }

  find(type: string): RunTypeDefinition | undefined {
    return this.types.get(type);
  }

  get<T extends RunType>(type: T): RunTypeDefinition<T>;
  get(type: string): RunTypeDefinition;
  get(type: string): RunTypeDefinition {
    const definition = this.types.get(type);
    if (!definition) throw new Error(`Run type "${type}" is not registered.`);
    return definition;
  }

  all(): RunTypeDefinition[] {
    return [...this.types.values()];
  }

  /** The types whose runs a holder of these capabilities may view. */
  typesViewableWith(can: (capability: Capability) => boolean): string[] {
    return this.all()
      .filter((definition) => can(definition.capability))
      .map((definition) => definition.type);
  }

  jobOptions(type: string): RunJobOptions {
    return { ...DEFAULT_JOB, ...this.types.get(type)?.job };
  }

  queues(): string[] {
    return [...new Set(this.all().map((definition) => definition.queue))];
  }
}
