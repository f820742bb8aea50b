using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.Routing;
using Router.Contracts.Messages;

namespace Router.Actors.Caching;

/// <param name="MaxFollowers">Followers beyond this are told <see cref="CacheBusy"/> (they ask upstream themselves).</param>
/// <param name="MaxBytes">Chunks kept for late joiners and for the cache; past it the answer is neither stored nor joined.</param>
/// <param name="Backlog">Chunks a follower may fall behind by before it is cut (a stalled reader holds nobody up).</param>
/// <param name="Linger">How long an ended stream still replays to joiners already sent to it.</param>
public sealed record FlightSettings(int MaxFollowers, long MaxBytes, int Backlog, TimeSpan Linger, IMaterializer Materializer, TimeProvider Time);

/// <summary>
/// One streamed answer shared by every identical request (single flight): it reads the leader's routed stream once and
/// hands each follower, the leader's own request included, the chunks so far and then the rest as they arrive. It lives
/// on the leader's node; followers on other nodes read it through a stream ref. The upstream call ends early only when
/// every follower has gone. A stream that ends with a finish reason is stored in the cache; any other end hands the
/// lead on to a request still waiting.
/// </summary>
public sealed class StreamFlightActor : ReceiveActor
{
    private readonly string _key;
    private readonly RoutedStream _stream;
    private readonly IActorRef _cache;
    private readonly FlightSettings _settings;
    private readonly List<StreamItem> _items = [];
    private readonly Dictionary<int, ChannelWriter<StreamItem>> _followers = [];
    private readonly CancellationTokenSource _reading = new();
    private long _bytes;
    private int _nextFollower;
    private bool _joinable = true;
    private bool _ended;
    private bool _settled; // the cache bucket has the answer, or has been told there will be none

    private readonly bool _shared;

    public StreamFlightActor(string key, RoutedStream stream, IActorRef cache, FlightSettings settings, ChannelWriter<StreamItem> leader, bool shared)
    {
        _key = key;
        _stream = stream;
        _cache = cache;
        _settings = settings;
        _followers[_nextFollower++] = leader;
        _shared = shared;
        _settled = !shared; // a flight the bucket does not know is not released

        Receive<JoinFlight>(_ => Join());
        Receive<Read>(read => Add(read.Item));
        Receive<Left>(left =>
        {
            if (!_followers.Remove(left.Follower) || _followers.Count > 0 || _ended) return;
            _reading.Cancel(); // nobody reads any more: end the upstream call
            StopJoins();
            Context.SetReceiveTimeout(_settings.Linger);
        });
        Receive<ReadEnded>(ended => End(ended.Failure));
        Receive<ReceiveTimeout>(_ => Context.Stop(Self));
    }

    protected override void PreStart()
    {
        var self = Self;
        _ = ReadAsync(self);
        if (_shared) _cache.Tell(new CacheStreamOpen(_key), self);
    }

    protected override void PostStop()
    {
        _reading.Cancel();
        foreach (var follower in _followers.Values) follower.TryComplete();
        StopJoins();
    }

    private async Task ReadAsync(IActorRef self)
    {
        Exception? failure = null;
        try
        {
            await using (_stream)
            {
                await foreach (var item in _stream.ReadAsync(_settings.Materializer, _reading.Token))
                    self.Tell(new Read(item));
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        self.Tell(new ReadEnded(failure));
    }

    /// <summary>
    /// Joiners from now on are told <see cref="CacheBusy"/> and ask upstream themselves, and the bucket is told no
    /// answer will come, so that a waiting request leads.
    /// </summary>
    private void StopJoins()
    {
        _joinable = false;
        _items.Clear();
        if (_settled) return;
        _settled = true;
        _cache.Tell(new CacheRelease(_key), Self);
    }

    private void Join()
    {
        if (!_joinable || _followers.Count >= _settings.MaxFollowers)
        {
            Sender.Tell(new CacheBusy(_key));
            return;
        }
        var id = _nextFollower++;
        var channel = NewChannel(_items.Count + _settings.Backlog);
        foreach (var item in _items) channel.Writer.TryWrite(item);
        if (_ended) channel.Writer.TryComplete();
        else _followers[id] = channel.Writer;

        var stream = ReadFrom(channel, Self, id);
        var route = _stream.Route;
        if (Sender is IActorRefScope { IsLocal: true })
        {
            Sender.Tell(new FlightJoined(stream, route.Model, route.Attempts));
            return;
        }
        stream.Source.RunWith(StreamRefs.SourceRef<StreamItem>(), _settings.Materializer)
            .PipeTo(Sender, success: sourceRef => new FlightJoined(sourceRef, route.Model, route.Attempts), failure: _ => new CacheBusy(_key));
    }

    private void Add(StreamItem item)
    {
        if (_joinable)
        {
            _items.Add(item);
            _bytes += item is StreamChunk c ? c.Chunk.Json.Length : 0;
            if (item is StreamFault || _bytes > _settings.MaxBytes)
                StopJoins(); // a failed answer is not shared further, nor one too large to keep; those reading go on
        }
        foreach (var (id, follower) in _followers)
        {
            if (follower.TryWrite(item)) continue;
            follower.TryComplete(new InvalidOperationException("The reader fell too far behind the shared stream"));
            _followers.Remove(id);
        }
    }

    private void End(Exception? failure)
    {
        _ended = true;
        foreach (var follower in _followers.Values) follower.TryComplete(failure);
        _followers.Clear();
        if (failure is null && _joinable && FinishedNormally())
        {
            var chunks = _items.Cast<StreamChunk>().Select(c => c.Chunk.Json.ToArray()).ToList();
            var route = _stream.Route;
            var answer = new CachedAnswer(StreamedAnswer.Assemble(chunks), route.Model, route.Attempts, _settings.Time.GetUtcNow(), chunks);
            _cache.Tell(new CachePut(_key, answer), Self);
            _settled = true;
        }
        else
        {
            StopJoins();
        }
        Context.SetReceiveTimeout(_settings.Linger); // joiners already sent here get the whole answer meanwhile
    }

    /// <summary>Every choice the stream spoke of got a finish reason: a whole answer, not a cut one.</summary>
    private bool FinishedNormally()
    {
        var choices = new Dictionary<int, bool>();
        foreach (var chunk in _items.OfType<StreamChunk>())
        {
            foreach (var choice in chunk.Chunk.Chunk.Choices ?? [])
                choices[choice.Index] = choices.GetValueOrDefault(choice.Index) || choice.FinishReason is not (null or "error");
        }
        return choices.Count > 0 && choices.Values.All(f => f);
    }

    /// <summary>
    /// Starts the flight of a leader's <paramref name="stream"/>, registered with the cache bucket of
    /// <paramref name="key"/> when <paramref name="shared"/> (a request that does not lead only stores its answer);
    /// returns the leader's own view of it (the same route, its chunks read through the flight).
    /// </summary>
    public static RouteStreaming Start(IActorRefFactory factory, string key, RoutedStream stream, IActorRef cache, FlightSettings settings, bool shared)
    {
        var leader = NewChannel(settings.Backlog);
        var flight = factory.ActorOf(Akka.Actor.Props.Create(() => new StreamFlightActor(key, stream, cache, settings, leader.Writer, shared)));
        return stream.Route with { Stream = ReadFrom(leader, flight, 0) };
    }

    private static Channel<StreamItem> NewChannel(int capacity) =>
        Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(capacity) { SingleWriter = true, SingleReader = true });

    /// <summary>A follower's chunks; the flight hears when the follower stops reading.</summary>
    private static SameNodeSourceRef<StreamItem> ReadFrom(Channel<StreamItem> channel, IActorRef flight, int follower) =>
        new(ct => ReadAsync(channel.Reader, flight, follower, ct));

    private static async IAsyncEnumerable<StreamItem> ReadAsync(ChannelReader<StreamItem> reader, IActorRef flight, int follower,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            await foreach (var item in reader.ReadAllAsync(ct))
                yield return item;
        }
        finally
        {
            flight.Tell(new Left(follower));
        }
    }

    private sealed record Read(StreamItem Item);

    private sealed record ReadEnded(Exception? Failure);

    private sealed record Left(int Follower);
}
