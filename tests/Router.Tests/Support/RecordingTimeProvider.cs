using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Router.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every wait the code under test arms, with its due time (a timer
/// started, or one re-armed as <c>CancelAfter</c> does): a test reads what the code decided to wait (a backoff, a
/// timeout), then advances the clock by exactly that much.
/// </summary>
public sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

    // A wait is armed and reported in one step, and the clock moves in another: a test that reads a wait and then
    // steps the clock never steps it between the report and the arming (the wait would then start after the step).
    private readonly object _gate = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            var timer = new RecordingTimer(base.CreateTimer(callback, state, dueTime, period), this);
            Record(dueTime);
            return timer;
        }
    }

    /// <summary>Moves the clock, never while a wait is being armed.</summary>
    public void Step(TimeSpan by)
    {
        lock (_gate) Advance(by);
    }

    private void Record(TimeSpan dueTime)
    {
        if (dueTime != Timeout.InfiniteTimeSpan) _waits.Writer.TryWrite(dueTime);
    }

    /// <summary>The due time of the next wait armed that is not <paramref name="ignore"/>d (e.g. a per-attempt timeout).</summary>
    public async Task<TimeSpan> NextTimerAsync(TimeSpan? ignore = null, int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var due = await _waits.Reader.ReadAsync(cts.Token);
            if (due != ignore) return due;
        }
    }

    /// <summary>Forgets the waits armed so far: the next <see cref="NextTimerAsync"/> answers one armed after this call.</summary>
    public void Clear()
    {
        while (_waits.Reader.TryRead(out _)) { }
    }

    /// <summary>Whether a wait was armed that has not been read by <see cref="NextTimerAsync"/>.</summary>
    public bool HasUnreadTimer(TimeSpan? ignore = null)
    {
        while (_waits.Reader.TryPeek(out var due))
        {
            if (due != ignore) return true;
            _waits.Reader.TryRead(out _);
        }
        return false;
    }

    private sealed class RecordingTimer(ITimer inner, RecordingTimeProvider time) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (time._gate)
            {
                var changed = inner.Change(dueTime, period);
                time.Record(dueTime);
                return changed;
            }
        }

        public void Dispose() => inner.Dispose();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
