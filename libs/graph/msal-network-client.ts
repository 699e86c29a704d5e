import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';

/**
 * MSAL's HTTP on our undici pool, so the token endpoint is reached with the same trusted roots
 * (`GRAPH_CA_CERT`) and keep-alive connections as Graph itself.
 */
export class MsalNetworkClient implements INetworkModule {
  constructor(private readonly dispatcher: Dispatcher) {}

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions = {},
  ): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      dispatcher: this.dispatcher,
      method,
      headers: options.headers,
      body: options.body,
    });
    const text = await response.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = [value].flat().join(', ');
    }
    let body: unknown = {};
    try {
      if (text) body = JSON.parse(text);
    } catch {
      // MSAL reads the status and reports a server error; a non-JSON body adds nothing to it.
    }
    return { status: response.statusCode, headers, body: body as T };
  }
}
