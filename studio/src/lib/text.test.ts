import { describe, expect, it } from 'vitest';
import { firstErrorLine, parseCsv, splitLines } from './text';
import { duration, failWhat, stepCounts } from './format';

describe('logs', () => {
  it('finds a Python traceback before other error-like lines', () => {
    const lines = splitLines('loading\nwarning: no error here?\nTraceback (most recent call last):\n  File "x"\nValueError: bad\n');
    expect(firstErrorLine(lines)).toBe(2);
    expect(firstErrorLine(['all good'])).toBe(-1);
    expect(firstErrorLine(['ok', 'ERROR: disk full'])).toBe(1);
  });
  it('splits lines without a trailing empty one', () => {
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('csv', () => {
  it('parses quotes, doubled quotes and separators inside quotes', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi"""\n1,2')).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['1', '2']]);
    expect(parseCsv('a\tb\n1\t2\n', '\t')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsv('a\n1\n2\n3\n', ',', 2)).toEqual([['a'], ['1']]);
  });
});

describe('format', () => {
  it('formats durations', () => {
    expect(duration(0.25)).toBe('250 ms');
    expect(duration(3.14)).toBe('3.1 s');
    expect(duration(125)).toBe('2m 5s');
    expect(duration(null)).toBe('');
  });
  it('counts steps ran / reused / failed', () => {
    expect(stepCounts({ step_counts: { Finished: 3, Failed: 1, Reused: 2, Running: 1 } })).toEqual({ ran: 4, reused: 2, failed: 1, active: 1, total: 7 });
  });
});

describe('failures', () => {
  it('says how a step failed without repeating the reason', () => {
    expect(failWhat({ exit_code: 3, signal: null, reason: 'exit code 3' })).toBe(': exit code 3');
    expect(failWhat({ exit_code: null, signal: 9, reason: 'killed by the OOM killer' })).toBe(': signal 9 — killed by the OOM killer');
    expect(failWhat({ exit_code: null, signal: null, reason: null })).toBe('');
  });
});
