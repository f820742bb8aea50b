namespace Router.Bench;

/// <summary>
/// CPU time one process spends per request it serves, summed over every measured run: unlike throughput, it does not
/// depend on how much of the two cores the load generator and the other processes left to it.
/// </summary>
public sealed class CpuPerRequest(ChildProcess process)
{
    private TimeSpan _cpu;
    private long _requests;

    public double Microseconds => _requests == 0 ? double.NaN : _cpu.TotalMicroseconds / _requests;

    public async Task<Samples> MeasureAsync(Func<Task<Samples>> run)
    {
        var before = process.CpuTime();
        var samples = await run();
        _cpu += process.CpuTime() - before;
        _requests += samples.Count + samples.Errors;
        return samples;
    }
}
