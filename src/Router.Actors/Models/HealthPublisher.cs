using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Actors.Observability;
using Router.Contracts.Messages;

namespace Router.Actors.Models;

/// <summary>
/// Tells every node's <see cref="ModelHealthListener"/> about one model: at once when its state changes, otherwise
/// at most once per <c>every</c>, with one timer for what a throttled change still owes.
/// </summary>
internal sealed class HealthPublisher(ActorSystem system, TimeSpan every, ITimerScheduler timers, object timerMessage, Func<ModelHealthView> view)
{
    private long _last;
    private bool _pending;

    public void Publish(bool force)
    {
        var now = Stopwatch.GetTimestamp();
        var since = Stopwatch.GetElapsedTime(_last, now);
        if (!force && _last != 0 && since < every)
        {
            if (!_pending)
            {
                _pending = true;
                timers.StartSingleTimer(timerMessage, timerMessage, every - since);
            }
            return;
        }
        _last = now;
        DistributedPubSub.Get(system).Mediator.Tell(new Publish(ModelHealthTopic.Name, view()));
    }

    /// <summary>The throttle's timer fired: publish what it held back.</summary>
    public void PublishPending()
    {
        _pending = false;
        Publish(force: true);
    }
}
