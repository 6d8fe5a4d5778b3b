using System;

namespace RefHeap;

/// <summary>
/// The method (or property getter) returns a new reference (+1): the caller owns it and must release it
/// (<see cref="RefObject.DecRef"/>, <see cref="RefObject.Dispose"/>, <c>using</c>), store it in a strong field,
/// pass it to a <see cref="StealsReferenceAttribute"/> parameter, or return it.
/// Put it on the method or on its return value (<c>[return: NewReference]</c>); both mean the same. On an <c>out</c>
/// parameter it says the method hands the caller a new reference through that parameter (like COM's
/// <c>QueryInterface</c>); an unmarked <c>out</c> parameter of a method without source gives a borrowed one.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.ReturnValue | AttributeTargets.Property | AttributeTargets.Delegate | AttributeTargets.Parameter, Inherited = true)]
public sealed class NewReferenceAttribute : Attribute
{
}

/// <summary>
/// The method (or property getter) returns a borrowed reference (+0): the caller does not own it. To keep it beyond
/// the lifetime of the object it was borrowed from, the caller must <see cref="RefObject.IncRef"/> it first.
/// On an <c>out</c> parameter it says the same of the reference the parameter receives (<c>TryGetValue</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.ReturnValue | AttributeTargets.Property | AttributeTargets.Delegate | AttributeTargets.Parameter, Inherited = true)]
public sealed class BorrowedReferenceAttribute : Attribute
{
}

/// <summary>
/// The parameter steals the reference passed to it: ownership moves to the callee, which releases or stores it.
/// After the call the caller no longer owns that reference (the callee may already have freed the object).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = true)]
public sealed class StealsReferenceAttribute : Attribute
{
}
