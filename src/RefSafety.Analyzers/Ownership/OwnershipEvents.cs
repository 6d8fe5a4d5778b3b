using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// What the ownership transfer functions saw on one path, as data: no rule, no policy, no words. Each rule of
/// REFS001–REFS005 reads the events it cares about from an <see cref="OwnershipEvents"/> log, decides whether they
/// make a finding (on some path, or on every path) and words its own message.
/// </summary>
internal abstract class OwnershipEvent
{
    private readonly Location? _location;
    private readonly ExitPoint? _exit;

    protected OwnershipEvent(string variable, Location location)
    {
        Variable = variable;
        _location = location;
    }

    protected OwnershipEvent(string variable, ExitPoint exit)
    {
        Variable = variable;
        _exit = exit;
    }

    /// <summary>The variable (or the expression's text) the event is about.</summary>
    public string Variable { get; }

    /// <summary>Where a diagnostic about this event goes.</summary>
    public Location Location => _location ?? _exit!.Location;

    /// <summary>How many flag-split paths reached the block of the event (each path records its own event).</summary>
    public int PathsHere { get; internal set; }

    /// <summary>The values of the tracked bool flags on this path, by flag name (True, False or both).</summary>
    public IReadOnlyList<KeyValuePair<string, RefState>> Flags { get; internal set; } = System.Array.Empty<KeyValuePair<string, RefState>>();

    /// <summary>The 1-based line of <paramref name="syntax"/>, for messages.</summary>
    public static int LineOf(SyntaxNode syntax) => syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    /// <summary>The 1-based line of <paramref name="location"/>, for messages.</summary>
    public static int LineOf(Location location) => location.GetLineSpan().StartLinePosition.Line + 1;
}

/// <summary>
/// Where paths leave a method: one exit branch of its graph. Its source location is found only when a rule asks for it
/// (finding it reads the syntax around the exit, and most exits make no finding).
/// </summary>
internal sealed class ExitPoint
{
    private readonly ControlFlowGraph _graph;
    private readonly BasicBlock _from;
    private readonly ControlFlowBranch _branch;
    private Location? _location;

    public ExitPoint(ControlFlowGraph graph, BasicBlock from, ControlFlowBranch branch)
    {
        _graph = graph;
        _from = from;
        _branch = branch;
    }

    /// <summary>The return or throw statement, else the closing brace of the body.</summary>
    public Location Location => _location ??= FlowGraph.ExitLocation(_graph, _from, _branch);
}

/// <summary>How a path leaves a method.</summary>
internal enum ExitKind
{
    /// <summary>A return statement, or the end of the body.</summary>
    Return,

    /// <summary>A throw no handler of the method catches.</summary>
    Throw,
}

/// <summary>What a tracked variable holds where a path leaves the method (emitted for every local and parameter at every exit).</summary>
internal sealed class VariableAtExit : OwnershipEvent
{
    public VariableAtExit(string variable, ExitPoint exit, ExitKind how, VariableKind kind, bool stealsArgument, RefState state)
        : base(variable, exit)
    {
        How = how;
        Kind = kind;
        StealsArgument = stealsArgument;
        State = state;
    }

    public ExitKind How { get; }

    public VariableKind Kind { get; }

    /// <summary>A parameter that took its caller's reference ([StealsReference] or configured).</summary>
    public bool StealsArgument { get; }

    public RefState State { get; }
}

/// <summary>A local still owns a reference when its scope ends (a loop body, a block) and no longer-lived alias takes it over.</summary>
internal sealed class OwnedAtScopeEnd : OwnershipEvent
{
    public OwnedAtScopeEnd(string variable, Location declaration, Location exit)
        : base(variable, declaration)
    {
        Exit = exit;
    }

    /// <summary>Where the path leaves the scope.</summary>
    public Location Exit { get; }
}

/// <summary>A variable that may still own a reference is written over (a local reassigned, a field of this object stored into).</summary>
internal sealed class OverwrittenOwned : OwnershipEvent
{
    public OverwrittenOwned(string variable, IOperation write, bool isField)
        : base(variable, write.Syntax.GetLocation())
    {
        Write = write;
        IsField = isField;
    }

    public IOperation Write { get; }

    public bool IsField { get; }
}

/// <summary>How a new reference was lost.</summary>
internal enum DiscardKind
{
    /// <summary>The whole value of a statement (a call, <c>new T();</c>) or assigned to <c>_</c>.</summary>
    Dropped,

    /// <summary>Passed to a parameter that does not take it over.</summary>
    PassedOn,

    /// <summary>An operand of a comparison or another binary operator.</summary>
    Compared,

    /// <summary>The value an <c>is</c> test (a null test, a type or pattern test) looked at.</summary>
    Tested,

    /// <summary>The object a member was read from or called on (<c>Create().Touch()</c>).</summary>
    MemberUsed,
}

/// <summary>
/// A new reference nobody can release: a value dropped, passed to a parameter that does not take it, or consumed by an
/// operator or a member access on the temporary.
/// </summary>
internal sealed class DiscardedNew : OwnershipEvent
{
    public DiscardedNew(string value, IOperation at, DiscardKind how, string? name = null)
        : base(value, at.Syntax.GetLocation())
    {
        How = how;
        Name = name;
    }

    public DiscardKind How { get; }

    /// <summary>The method it was passed to (<see cref="DiscardKind.PassedOn"/>) or the member used (<see cref="DiscardKind.MemberUsed"/>).</summary>
    public string? Name { get; }
}

/// <summary>A release the rules may judge (REFS002, REFS007): where it is.</summary>
internal abstract class ReleaseEvent : OwnershipEvent
{
    protected ReleaseEvent(string variable, IOperation release)
        : base(variable, release.Syntax.GetLocation())
    {
        Release = release;
    }

    public IOperation Release { get; }
}

/// <summary>A release of a variable that owns nothing on this path (borrowed, or released already).</summary>
internal sealed class ReleasedUnowned : ReleaseEvent
{
    public ReleasedUnowned(string variable, IOperation release, RefState state)
        : base(variable, release)
    {
        State = state;
    }

    /// <summary>What the variable held before the release.</summary>
    public RefState State { get; }
}

/// <summary>A release that comes round again in a loop with nothing renewing the variable on the way.</summary>
internal sealed class ReleasedAgainInLoop : ReleaseEvent
{
    public ReleasedAgainInLoop(string variable, IOperation release)
        : base(variable, release)
    {
    }
}

/// <summary>A SafeHandle-style release not conditioned on the success flag of its add-ref.</summary>
internal sealed class ReleaseNotGuarded : ReleaseEvent
{
    public ReleaseNotGuarded(string variable, IOperation release, string successFlag)
        : base(variable, release)
    {
        SuccessFlag = successFlag;
    }

    public string SuccessFlag { get; }
}

/// <summary>How a reference leaves the method's hands.</summary>
internal sealed class EscapeRoute
{
    private EscapeRoute(EscapeKind kind, string name, string? method, bool configured = false)
    {
        Kind = kind;
        Name = name;
        Method = method;
        Configured = configured;
    }

    public enum EscapeKind
    {
        StoredInField,
        StoredInMemory,
        PassedToStealingParameter,
        ReturnedAsNew,
        HandedOutThroughOut,
    }

    public EscapeKind Kind { get; }

    /// <summary>The field, parameter or method name.</summary>
    public string Name { get; }

    /// <summary>The called method, for a stealing parameter.</summary>
    public string? Method { get; }

    public static EscapeRoute Field(string field) => new(EscapeKind.StoredInField, field, null);

    public static EscapeRoute Memory(string method) => new(EscapeKind.StoredInMemory, method, null);

    public static EscapeRoute StealingParameter(string parameter, string method) => new(EscapeKind.PassedToStealingParameter, parameter, method);

    /// <summary>The contract broken is configured in .editorconfig (<c>refsafety.new_reference_methods</c>), not an attribute.</summary>
    public bool Configured { get; }

    public static EscapeRoute Returned(string? method, bool configured) => new(EscapeKind.ReturnedAsNew, method ?? string.Empty, null, configured);

    public static EscapeRoute OutParameter(string parameter) => new(EscapeKind.HandedOutThroughOut, parameter, null);
}

/// <summary>What a use after release did with the variable.</summary>
internal enum UseKind
{
    Read,
    IncRef,
    Escape,
}

/// <summary>A variable used (read, IncRef'd or handed on) when on this path it was released already.</summary>
internal sealed class UsedAfterRelease : OwnershipEvent
{
    public UsedAfterRelease(string variable, IOperation use, UseKind kind, IOperation? release, EscapeRoute? route = null)
        : base(variable, use.Syntax.GetLocation())
    {
        Use = use;
        Kind = kind;
        Release = release;
        Route = route;
    }

    /// <summary>The release (or steal) that gave the reference up, when known (a side table: the last one met).</summary>
    public IOperation? Release { get; }

    public IOperation Use { get; }

    public UseKind Kind { get; }

    public EscapeRoute? Route { get; }
}

/// <summary>A borrowed reference handed on as if owned (stored, stolen, returned as new, handed out through an out parameter).</summary>
internal sealed class BorrowedEscaped : OwnershipEvent
{
    public BorrowedEscaped(string value, Location location, EscapeRoute route)
        : base(value, location)
    {
        Route = route;
    }

    public EscapeRoute Route { get; }
}

/// <summary>
/// A borrowed reference stored into a field with no increment backing the store where the variable's life ends (a
/// method exit, the end of its scope): the increment may follow the store, but must come.
/// </summary>
internal sealed class UnbackedStore : OwnershipEvent
{
    public UnbackedStore(string variable, IOperation stored, EscapeRoute route, bool onEveryPath)
        : base(variable, stored.Syntax.GetLocation())
    {
        Route = route;
        OnEveryPath = onEveryPath;
    }

    public EscapeRoute Route { get; }

    /// <summary>No path reaching this exit backed the store (else only some).</summary>
    public bool OnEveryPath { get; }
}

/// <summary>A <c>[BorrowedReference]</c> method returns a reference it owns (a local that owns one, or a new object).</summary>
internal sealed class OwnedReturnedAsBorrowed : OwnershipEvent
{
    public OwnedReturnedAsBorrowed(string value, IOperation returned, string method, bool isNewExpression)
        : base(value, returned.Syntax.GetLocation())
    {
        Method = method;
        IsNewExpression = isNewExpression;
    }

    public string Method { get; }

    /// <summary>The returned expression itself makes the reference (<c>new T()</c>, a [NewReference] call).</summary>
    public bool IsNewExpression { get; }
}

/// <summary>The events of one graph, in the order the final pass met them.</summary>
internal sealed class OwnershipEvents
{
    private readonly List<OwnershipEvent> _events = new();

    public OwnershipEvents(IMethodSymbol? method) => Method = method;

    /// <summary>The method, lambda or local function whose paths the events describe (null for a top-level program).</summary>
    public IMethodSymbol? Method { get; }

    public IReadOnlyList<OwnershipEvent> All => _events;

    public void Add(OwnershipEvent @event) => _events.Add(@event);

    /// <summary>The events of type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> Of<T>()
        where T : OwnershipEvent
    {
        foreach (OwnershipEvent @event in _events)
        {
            if (@event is T typed)
            {
                yield return typed;
            }
        }
    }
}
