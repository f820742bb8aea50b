using Akka.Persistence;

namespace Router.Actors.Persistence;

/// <summary>
/// A persistent actor that keeps its journal short: once a snapshot is saved, the events before it and the older
/// snapshots are deleted. A failed save or delete changes nothing (the events are all still there).
/// </summary>
public abstract class SnapshotCompactingActor : ReceivePersistentActor
{
    /// <summary>Registers the handlers that delete what a saved snapshot replaces; call it in the constructor.</summary>
    protected void CompactOnSnapshot()
    {
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }
}
