using System.Runtime.InteropServices;

namespace Router.Bench;

/// <summary>Sleeps for less than a millisecond where the system can (Thread.Sleep counts whole milliseconds).</summary>
internal static partial class Pause
{
    public static void For(TimeSpan wait)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = usleep((uint)Math.Clamp(wait.Ticks / TimeSpan.TicksPerMicrosecond, 1, 999_999)); // usleep may refuse a second or more
        else
            Thread.Sleep(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait);
    }

    [LibraryImport("libc")]
    private static partial int usleep(uint microseconds);
}
