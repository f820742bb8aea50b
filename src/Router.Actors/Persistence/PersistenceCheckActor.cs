using Akka;
using Akka.Actor;
using Akka.Persistence;
using Router.Contracts.Messages;

namespace Router.Actors.Persistence;

/// <summary>
/// Writes one event, reads the journal back and deletes it, so a misconfigured journal stops the node at start-up
/// instead of showing only in the log while requests time out.
/// </summary>
public sealed class PersistenceCheckActor : ReceivePersistentActor
{
    private IActorRef? _requester;

    public PersistenceCheckActor()
    {
        Recover<PersistenceChecked>(_ => { });
        Command<Check>(_ =>
        {
            _requester = Sender;
            Persist(new PersistenceChecked(DateTimeOffset.UtcNow), _ => DeleteMessages(LastSequenceNr));
        });
        Command<DeleteMessagesSuccess>(_ =>
        {
            _requester?.Tell(Done.Instance);
            Context.Stop(Self);
        });
        Command<DeleteMessagesFailure>(f => Fail(f.Cause));
    }

    /// <summary>One per node address: nodes starting together must not write the same persistence id.</summary>
    public override string PersistenceId { get; } =
        "router-persistence-check-" + ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString().Replace("/", "", StringComparison.Ordinal);

    public static Props Props() => Akka.Actor.Props.Create(() => new PersistenceCheckActor());

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Fail(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => Fail(cause);

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Fail(reason);
        base.OnRecoveryFailure(reason, message);
    }

    private void Fail(Exception cause) => _requester?.Tell(new Status.Failure(cause));

    public sealed record Check
    {
        public static readonly Check Instance = new();
    }
}

/// <summary>Start-up check that the configured journal and snapshot store work.</summary>
public static class PersistenceCheck
{
    /// <summary>Completes when the journal answered a write, a read and a delete; throws otherwise.</summary>
    public static async Task VerifyAsync(ActorSystem system, TimeSpan timeout)
    {
        var actor = system.ActorOf(PersistenceCheckActor.Props(), "persistence-check-" + Guid.NewGuid().ToString("N"));
        try
        {
            await actor.Ask<Done>(PersistenceCheckActor.Check.Instance, timeout);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"Persistence does not work (journal/snapshot store): {e.GetBaseException().Message}", e);
        }
    }
}
