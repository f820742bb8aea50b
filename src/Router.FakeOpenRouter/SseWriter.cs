using System.Text;
using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>Writes SSE lines with the framing variations a behaviour asks for.</summary>
internal sealed class SseWriter(HttpResponse response, FakeBehavior behavior)
{
    private readonly string _newline = behavior.UseCrlf ? "\r\n" : "\n";

    public Task CommentAsync(string text, CancellationToken ct) => WriteAsync(": " + text + _newline + _newline, ct);

    public Task ChunkAsync(ChatCompletionChunk chunk, CancellationToken ct) =>
        DataAsync(JsonSerializer.Serialize(chunk, RouterJsonContext.Default.ChatCompletionChunk), ct);

    public Task DataAsync(string data, CancellationToken ct)
    {
        // Multi-line data: break the JSON after its opening brace; a client joins data lines with '\n'.
        var body = behavior.MultiLineData && data.StartsWith('{') && data.Length > 1
            ? "data: {" + _newline + "data: " + data[1..]
            : "data: " + data;
        var end = behavior.UnterminatedDone && data == "[DONE]" ? _newline : _newline + _newline;
        return WriteAsync(body + end, ct);
    }

    private async Task WriteAsync(string text, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (behavior.SplitWrites && bytes.Length > 3)
        {
            // Three writes, each flushed, so the client sees one event over several reads.
            var third = bytes.Length / 3;
            foreach (var (offset, count) in new[] { (0, third), (third, third), (2 * third, bytes.Length - 2 * third) })
            {
                await response.Body.WriteAsync(bytes.AsMemory(offset, count), ct);
                await response.Body.FlushAsync(ct);
                await Task.Delay(2, ct);
            }
            return;
        }
        await response.Body.WriteAsync(bytes, ct);
        await response.Body.FlushAsync(ct);
    }
}
