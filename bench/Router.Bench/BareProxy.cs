using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;

namespace Router.Bench;

/// <summary>
/// The floor for any HTTP router on this machine: a pass-through proxy with nothing but Kestrel in front and one pooled
/// HttpClient behind (no parsing, no actors, no fallback). Started as its own process, like the Router node, and
/// speaking to the upstream over the same HTTP version as Router does in the benchmark.
/// </summary>
public static class BareProxy
{
    /// <summary>Starts the proxy as its own process, with Router.Node's GC (workstation), in front of <paramref name="upstream"/>.</summary>
    public static (ChildProcess Process, string Url) Start(string upstream, string key, string version)
    {
        var port = ChildProcess.FreePort();
        return (ChildProcess.Start(typeof(BareProxy).Assembly.Location, ["proxy", port.ToString(), upstream, key, version],
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }), $"http://127.0.0.1:{port}/v1/chat/completions");
    }

    public static async Task RunAsync(int port, string upstream, string key, Version upstreamVersion)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, UseProxy = false, EnableMultipleHttp2Connections = true })
        {
            BaseAddress = new Uri(upstream.TrimEnd('/') + "/"),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
            {
                Version = upstreamVersion,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(body.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            using var response = await http.SendAsync(request, context.RequestAborted);
            var bytes = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        });
        await app.RunAsync();
    }
}
