import { SimTokenBucket } from './sim-throttle.js';

describe('SimTokenBucket', () => {
  let now = 0;
  const bucket = () => new SimTokenBucket({ requests: 4, windowSeconds: 2 }, () => now);
  beforeEach(() => (now = 1000));

  it('grants the bucket at first, then answers with the seconds until it is full again', () => {
    const b = bucket();
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([null, null, null, null]);
    expect(b.take()).toBe('2');
    now += 500; // one token back (2 per second)
    expect(b.take()).toBeNull();
    expect(b.take()).toBe('2');
    now += 250; // half a token: still none, 1.75 s to full
    expect(b.take()).toBe('1.8');
    expect(b.summary()).toEqual({ throttled: 3, windows: 1, arrivalsInWindows: [3] });
  });

  it('refills continuously up to its size, never above', () => {
    const b = bucket();
    for (let i = 0; i < 4; i++) b.take();
    now += 60_000;
    for (let i = 0; i < 4; i++) expect(b.take()).toBeNull();
    expect(b.take()).not.toBeNull();
  });

  it('counts the requests arriving inside an announced window, and a new window after it', () => {
    const b = bucket();
    for (let i = 0; i < 4; i++) b.take();
    expect(b.take()).toBe('2'); // opens a window until 2 s from now
    now += 10;
    b.take(); // in flight before the client read the 429
    now += 2000; // the window has passed: full again
    for (let i = 0; i < 4; i++) expect(b.take()).toBeNull();
    expect(b.take()).not.toBeNull(); // a second window
    expect(b.summary()).toEqual({ throttled: 3, windows: 2, arrivalsInWindows: [1, 0] });
  });
});
