using Akka.Actor;
using Akka.Event;

namespace Router.Actors.Routing;

/// <summary>What a <see cref="RouteSession"/> needs from the coordinator that hosts it.</summary>
internal interface IRouteHost
{
    ITimerScheduler Timers { get; }
    ILoggingAdapter Log { get; }

    /// <summary>Answers for <paramref name="attemptId"/> now belong to <paramref name="session"/>.</summary>
    void AttemptStarted(string attemptId, RouteSession session);

    /// <summary>Answers for <paramref name="attemptId"/> are late from now on.</summary>
    void AttemptEnded(string attemptId);

    void Ended(RouteSession session);
}

/// <summary>The timer message of a <see cref="RouteSession"/> waiting for a resting model, delivered to its coordinator.</summary>
internal sealed record WakeUp(string RouteId);
