using System.Diagnostics;

namespace Router.Actors.Models;

/// <summary>
/// When a model actor saves a snapshot of its counters: after <c>every</c> outcomes, no more often than
/// <c>interval</c>, and never while events it wrote are unconfirmed. A snapshot is stamped with the last confirmed
/// sequence number: one taken while events are still being written would hold their effect under an older number,
/// and recovery would apply them a second time (a rate-limit streak counted twice).
/// </summary>
public sealed class SnapshotSchedule(int every, TimeSpan interval)
{
    private int _outcomes;
    private int _unconfirmed;
    private bool _wanted;
    private long _last;

    /// <summary>A snapshot was asked of the journal and not yet confirmed.</summary>
    public bool Saving { get; private set; }

    /// <summary>Outcomes or a wanted snapshot that no saved snapshot holds yet.</summary>
    public bool HasUnsaved => _outcomes > 0 || _wanted;

    /// <summary>Counts an outcome; true when a snapshot is due.</summary>
    public bool OutcomeCounted(long timestamp) =>
        ++_outcomes >= every && (_last == 0 || Stopwatch.GetElapsedTime(_last, timestamp) >= interval);

    public void EventsWritten(int count) => _unconfirmed += count;

    /// <summary>One written event confirmed; true when a snapshot waited for it (and may now be taken).</summary>
    public bool EventConfirmed() => --_unconfirmed == 0 && _wanted;

    /// <summary>True: take the snapshot now. False: events are unconfirmed; it is taken once they are.</summary>
    public bool TryTake(long timestamp)
    {
        if (_unconfirmed > 0)
        {
            _wanted = true;
            return false;
        }
        _wanted = false;
        Saving = true;
        _outcomes = 0;
        _last = timestamp;
        return true;
    }

    /// <summary>The journal answered the snapshot, saved or not.</summary>
    public void Settled() => Saving = false;
}
