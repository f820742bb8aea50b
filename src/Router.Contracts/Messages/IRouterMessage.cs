namespace Router.Contracts.Messages;

/// <summary>Marks every message, event and snapshot that crosses the wire or is persisted: bound to <see cref="Serialization.RouterSerializer"/>.</summary>
public interface IRouterMessage;

/// <summary>Routes a message to the model's sharded actor.</summary>
public interface IWithModelId
{
    ModelId ModelId { get; }
}
