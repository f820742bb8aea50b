using Router.Actors.Models;

namespace Router.Actors.Observability;

/// <summary>
/// This node's moves to a next candidate over the last 15 minutes, in the buckets of <see cref="CallHistory"/>, for
/// the health page: the same events as <c>router_fallbacks_total</c> (a failed call, a resting or unreachable model).
/// Bounded: one counter per bucket, recorded from any coordinator's thread.
/// </summary>
public sealed class FallbackHistory
{
    private readonly long[] _starts = new long[CallHistory.Buckets];
    private readonly long[] _counts = new long[CallHistory.Buckets];

    public void Record(DateTimeOffset now)
    {
        var start = StartOf(now);
        var slot = SlotOf(start);
        lock (_counts)
        {
            if (_starts[slot] != start)
            {
                _starts[slot] = start;
                _counts[slot] = 0;
            }
            _counts[slot]++;
        }
    }

    /// <summary>The fallbacks of each bucket of the last 15 minutes, oldest first, the one under way last.</summary>
    public IReadOnlyList<FallbackPoint> Points(DateTimeOffset now)
    {
        var current = StartOf(now);
        var width = CallHistory.Width.Ticks;
        var points = new FallbackPoint[CallHistory.Buckets];
        lock (_counts)
            for (var i = 0; i < points.Length; i++)
            {
                var start = current - (points.Length - 1 - i) * width;
                var slot = SlotOf(start);
                points[i] = new FallbackPoint(new DateTimeOffset(start, TimeSpan.Zero), _starts[slot] == start ? _counts[slot] : 0);
            }
        return points;
    }

    private static long StartOf(DateTimeOffset now) => CallHistory.BucketOf(now).UtcTicks;

    private static int SlotOf(long start) => (int)(start / CallHistory.Width.Ticks % CallHistory.Buckets);
}

/// <summary>One bucket of <see cref="FallbackHistory"/>.</summary>
public sealed record FallbackPoint(DateTimeOffset Start, long Fallbacks);
