using System.Diagnostics;

namespace Router.Tests.Support;

/// <summary>Headless Debian Chromium (.ci/run installs it), with the flags this machine's closed network needs.</summary>
public static class Chromium
{
    /// <summary>Runs Chromium once on <paramref name="url"/> in <paramref name="mode"/> (<c>--dump-dom</c>, <c>--screenshot=FILE</c>); returns its standard output.</summary>
    public static async Task<string> RunAsync(string mode, string url, string windowSize = "1400,900")
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
                       ?? throw new InvalidOperationException("Chromium not found: apt-get install chromium (.ci/run does this)");
        var profile = TestNodes.TempDir();
        try
        {
            using var process = Process.Start(new ProcessStartInfo(chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}",
                $"--window-size={windowSize}", "--virtual-time-budget=3000", mode, url,
            ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return await stdout;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
