using Router.Actors.OpenRouter;

namespace Router.Tests.Support;

public static class Sse
{
    public static async Task<List<string>> ReadAllAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        await using var reader = new SseReader(body);
        var events = new List<string>();
        while (await reader.ReadAsync() is { } e) events.Add(e.Data);
        return events;
    }
}
