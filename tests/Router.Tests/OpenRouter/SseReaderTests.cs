using System.Text;
using Router.Actors.OpenRouter;

namespace Router.Tests.OpenRouter;

public class SseReaderTests
{
    /// <summary>A stream that hands out the given fragments, one per read.</summary>
    private sealed class FragmentStream(IEnumerable<byte[]> fragments) : Stream
    {
        private readonly Queue<byte[]> _pending = new(fragments);

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pending.Count == 0) return 0;
            var next = _pending.Dequeue();
            if (next.Length > count)
            {
                _pending.Enqueue(next[count..]); // keep order simple: tests use fragments smaller than the buffer
                next = next[..count];
            }
            next.CopyTo(buffer, offset);
            return next.Length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<List<SseEvent>> ReadAll(params string[] fragments)
    {
        await using var reader = new SseReader(new FragmentStream(fragments.Select(Encoding.UTF8.GetBytes)));
        var events = new List<SseEvent>();
        while (await reader.ReadAsync() is { } e) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Reads_data_events_and_skips_comments()
    {
        var events = await ReadAll(": OPENROUTER PROCESSING\n\n", "data: {\"a\":1}\n\n", ": keep-alive\n\ndata: [DONE]\n\n");
        Assert.Equal(["{\"a\":1}", "[DONE]"], events.Select(e => e.Data));
        Assert.All(events, e => Assert.Equal("message", e.Event));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task Accepts_every_line_ending(string nl)
    {
        var events = await ReadAll($"data: one{nl}{nl}data: two{nl}{nl}");
        Assert.Equal(["one", "two"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task A_crlf_split_between_reads_is_one_line_end()
    {
        var events = await ReadAll("data: one\r", "\n\r", "\ndata: two\r\n\r\n");
        Assert.Equal(["one", "two"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task Joins_multi_line_data_with_newlines()
    {
        var events = await ReadAll("data: {\ndata: \"a\": 1\ndata:}\n\n");
        Assert.Equal("{\n\"a\": 1\n}", Assert.Single(events).Data);
    }

    [Fact]
    public async Task Reassembles_an_event_split_byte_by_byte()
    {
        const string text = "event: update\nid: 7\ndata: {\"content\":\"héllo wörld ✓\"}\n\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        // One byte per read: the split falls inside multi-byte characters too.
        await using var reader = new SseReader(new FragmentStream(bytes.Select(b => new[] { b })));
        var e = await reader.ReadAsync();
        Assert.NotNull(e);
        Assert.Equal("update", e.Event);
        Assert.Equal("7", e.Id);
        Assert.Equal("{\"content\":\"héllo wörld ✓\"}", e.Data);
        Assert.Null(await reader.ReadAsync());
    }

    [Fact]
    public async Task Several_events_in_one_read_come_out_one_by_one()
    {
        var events = await ReadAll("data: 1\n\ndata: 2\n\ndata: 3\n\n");
        Assert.Equal(["1", "2", "3"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task Field_without_space_and_unknown_fields()
    {
        var events = await ReadAll("data:x\nretry: 100\nfoo: bar\ndata\n\n");
        Assert.Equal("x\n", Assert.Single(events).Data);
    }

    [Fact]
    public async Task Blank_lines_without_data_dispatch_nothing()
    {
        Assert.Empty(await ReadAll("\n\n\n: c\n\n"));
    }

    [Fact]
    public async Task A_last_event_without_its_blank_line_is_still_delivered()
    {
        var events = await ReadAll("data: a\n\ndata: [DONE]");
        Assert.Equal(["a", "[DONE]"], events.Select(e => e.Data));
    }
}
