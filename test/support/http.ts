export interface HttpResponse<B = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, the raw text otherwise. */
  body: B;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed JSON and size tests); wins over `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A small client for the app under test, over real HTTP. */
export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<B = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResponse<B>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '');
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: isJson && text ? JSON.parse(text) : text,
    };
  }

  get<B = any>(path: string, options?: RequestOptions) {
    return this.request<B>('GET', path, options);
  }
  post<B = any>(path: string, options?: RequestOptions) {
    return this.request<B>('POST', path, options);
  }
  patch<B = any>(path: string, options?: RequestOptions) {
    return this.request<B>('PATCH', path, options);
  }
  delete<B = any>(path: string, options?: RequestOptions) {
    return this.request<B>('DELETE', path, options);
  }
}
