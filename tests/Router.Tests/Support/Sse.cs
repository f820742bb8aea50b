using System.Net.ServerSentEvents;

namespace Router.Tests.Support;

public static class Sse
{
    /// <summary>Each event's data, as a client's SSE parser reads Router's stream.</summary>
    public static async IAsyncEnumerable<string> Events(Stream body)
    {
        await foreach (var item in SseParser.Create(body).EnumerateAsync())
            yield return item.Data;
    }

    public static async Task<List<string>> ReadAllAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        var events = new List<string>();
        await foreach (var data in Events(body)) events.Add(data);
        return events;
    }
}
