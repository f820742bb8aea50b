using Akka.Actor;
using Router.Contracts;

namespace Router.Actors.Routing;

/// <summary>The attempt in flight; <see cref="LastHeard"/>: when its model actor last showed it is reachable.</summary>
internal sealed class RouteAttempt(Candidate candidate, string attemptId, long started)
{
    public Candidate Candidate { get; } = candidate;
    public ModelId Model => Candidate.Model;
    public string AttemptId { get; } = attemptId;
    public long Started { get; } = started;
    public long LastHeard { get; set; } = started;
    public long LastAsked { get; set; }

    /// <summary>The model actor running the call, once it has said so.</summary>
    public IActorRef? Actor { get; set; }

    public IActorRef Route(IActorRef region) => Actor ?? region;
}
