using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Router.Actors.OpenRouter;

/// <summary>One server-sent event: <see cref="Data"/> is its data lines joined with '\n'.</summary>
public sealed record SseEvent(string Event, string Data, string? Id);

/// <summary>
/// A server-sent events parser (WHATWG rules): LF, CR or CRLF line ends, comment lines, multi-line data,
/// events split across any number of reads. At the end of the stream a pending event is still delivered.
/// <paramref name="onComment"/> hears of each comment line (a sign of life that is no event).
/// </summary>
public sealed class SseReader(Stream stream, Action? onComment = null) : IAsyncDisposable
{
    private readonly PipeReader _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    private readonly StringBuilder _data = new();
    private bool _hasData;
    private string? _eventType;
    private string? _lastId;
    private bool _finished;

    /// <summary>Comment lines seen so far (OpenRouter sends ": OPENROUTER PROCESSING" while it waits).</summary>
    public int Comments { get; private set; }

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken ct = default)
    {
        while (!_finished)
        {
            var result = await _pipe.ReadAsync(ct);
            var buffer = result.Buffer;
            SseEvent? ready = null;
            while (ready is null && TryReadLine(ref buffer, result.IsCompleted, out var line))
                ready = ProcessLine(line);

            if (ready is not null)
            {
                _pipe.AdvanceTo(buffer.Start); // lines may remain: let the next read see them without new data
                return ready;
            }
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty) ready = ProcessLine(buffer); // last line without a line end
                _pipe.AdvanceTo(buffer.End);
                _finished = true;
                return ready ?? Dispatch();
            }
            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
        return null;
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool completed, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadToAny(out line, "\r\n"u8, advancePastDelimiter: false))
            return false;
        reader.TryRead(out var end);
        if (end == (byte)'\r')
        {
            if (reader.End && !completed) return false; // a '\n' may still follow in the next read
            if (reader.TryPeek(out var next) && next == (byte)'\n') reader.Advance(1);
        }
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private SseEvent? ProcessLine(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty) return Dispatch();
        if (line.FirstSpan[0] == (byte)':')
        {
            Comments++;
            onComment?.Invoke();
            return null;
        }
        var text = Encoding.UTF8.GetString(line);
        var colon = text.IndexOf(':');
        var field = colon < 0 ? text : text[..colon];
        var value = colon < 0 ? "" : text[(colon + 1)..];
        if (value.StartsWith(' ')) value = value[1..];
        switch (field)
        {
            case "data":
                if (_hasData) _data.Append('\n');
                _data.Append(value);
                _hasData = true;
                break;
            case "event":
                _eventType = value;
                break;
            case "id" when !value.Contains('\0'):
                _lastId = value;
                break;
        }
        return null;
    }

    private SseEvent? Dispatch()
    {
        var type = _eventType;
        _eventType = null;
        if (!_hasData) return null;
        var data = _data.ToString();
        _data.Clear();
        _hasData = false;
        return new SseEvent(string.IsNullOrEmpty(type) ? "message" : type, data, _lastId);
    }

    public ValueTask DisposeAsync() => _pipe.CompleteAsync();
}
