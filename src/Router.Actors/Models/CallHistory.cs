using Router.Contracts.Messages;

namespace Router.Actors.Models;

/// <summary>
/// A model's last 15 minutes in 10-second buckets, kept by its actor for the health page's charts: calls, failures
/// (the model's own), latency p50/p95 and mean time to first token of each bucket, and the circuit at its end.
/// Bounded: <see cref="Buckets"/> buckets, each keeping at most <see cref="LatencySamples"/> latencies.
/// </summary>
public sealed class CallHistory
{
    public static readonly TimeSpan Width = TimeSpan.FromSeconds(10);
    public const int Buckets = 90;
    public const int LatencySamples = 128;

    /// <summary>The start of the bucket <paramref name="now"/> falls in (UTC, on a multiple of <see cref="Width"/>).</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset now) => new(now.UtcTicks - now.UtcTicks % Width.Ticks, TimeSpan.Zero);

    private readonly Queue<HistoryPoint> _closed = new();
    private Open? _open;

    public void Record(DateTimeOffset now, bool ok, double? latencyMs, double? firstTokenMs, CircuitState circuit)
    {
        var bucket = At(now, circuit);
        if (ok) bucket.Calls++;
        else bucket.Failures++;
        if (latencyMs is { } ms)
        {
            if (bucket.Latencies.Count < LatencySamples) bucket.Latencies.Add(ms);
            else bucket.Latencies[Random.Shared.Next(LatencySamples)] = ms; // a sample of the bucket, not its first calls
        }
        if (firstTokenMs is { } first)
        {
            bucket.FirstTokenSum += first;
            bucket.FirstTokens++;
        }
    }

    /// <summary>The circuit changed: the bucket under way ends in that state.</summary>
    public void Circuit(DateTimeOffset now, CircuitState circuit) => At(now, circuit);

    /// <summary>The buckets of the last 15 minutes, oldest first, the one under way last; empty ones where nothing happened.</summary>
    public IReadOnlyList<HistoryPoint> Points(DateTimeOffset now, CircuitState circuit)
    {
        At(now, circuit);
        return [.. _closed, _open!.ToPoint()];
    }

    private Open At(DateTimeOffset now, CircuitState circuit)
    {
        var start = BucketOf(now);
        if (_open is { } open && open.Start == start)
        {
            open.Circuit = circuit;
            return open;
        }
        if (_open is { } previous && previous.Start < start)
        {
            Close(previous.ToPoint());
            // Quiet buckets in between carry the circuit as it was.
            var gap = (int)Math.Min(Buckets, (start - previous.Start).Ticks / Width.Ticks - 1);
            for (var i = gap; i >= 1; i--)
                Close(new HistoryPoint(start - Width * i, 0, 0, null, null, null, previous.Circuit));
        }
        _open = new Open(start) { Circuit = circuit };
        return _open;
    }

    private void Close(HistoryPoint point)
    {
        _closed.Enqueue(point);
        while (_closed.Count > Buckets - 1) _closed.Dequeue();
    }

    private sealed class Open(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public long Calls { get; set; }
        public long Failures { get; set; }
        public List<double> Latencies { get; } = [];
        public double FirstTokenSum { get; set; }
        public int FirstTokens { get; set; }
        public CircuitState Circuit { get; set; }

        public HistoryPoint ToPoint()
        {
            double? Percentile(double p)
            {
                if (Latencies.Count == 0) return null;
                var sorted = Latencies.Order().ToList();
                return Math.Round(sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)], 1);
            }
            return new HistoryPoint(Start, Calls, Failures, Percentile(0.5), Percentile(0.95),
                FirstTokens == 0 ? null : Math.Round(FirstTokenSum / FirstTokens, 1), Circuit);
        }
    }
}
