namespace RefSafety.Analyzers.Ownership;

/// <summary>What a tracked slot of the state stands for.</summary>
internal enum VariableKind
{
    /// <summary>A local: starts null, must not own anything when its scope ends.</summary>
    Local,

    /// <summary>A parameter: starts borrowed (owned if it steals its argument).</summary>
    Parameter,

    /// <summary>An <c>out</c> parameter marked <c>[NewReference]</c>: a store into it hands a reference to the caller.</summary>
    NewReferenceOut,

    /// <summary>A compiler flow capture (the receiver of `x?.M()`, a `using` resource).</summary>
    Capture,

    /// <summary>A counted field of the object the method runs on: owns what it holds.</summary>
    InstanceField,

    /// <summary>A counted static field: owns what it holds for the program's lifetime.</summary>
    StaticField,

    /// <summary>A bool local or parameter that branches test: holds <see cref="RefState.True"/> / <see cref="RefState.False"/>.</summary>
    Flag,

    /// <summary>A member path through a local, a parameter or this (<c>pe.Type</c>, <c>this.a.b</c>): trusted only between calls.</summary>
    AccessPath,
}
