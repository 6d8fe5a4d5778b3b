using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>Reporting: leaks at exits, the findings kept from the final replay, and where a path leaves.</summary>
internal sealed partial class OwnershipDataflow
{
    private void CheckExit(RefState[] state, Location location, string path)
    {
        for (int i = 0; i < _names.Count; i++)
        {
            if (_kinds[i] == VariableKind.Local)
            {
                // What every path leaving here holds, leaking or not: decides which release a fix may insert.
                _exitStates.TryGetValue((location, _names[i]), out RefState seen);
                _exitStates[(location, _names[i])] = seen | state[i];
            }

            if (_kinds[i] == VariableKind.NewReferenceOut)
            {
                // The caller owns what it receives: a borrowed reference there is one it will release too many times.
                if (state[i].AllPaths(RefState.Borrowed))
                {
                    Report(OwnershipProblem.BorrowedEscapes, () => location, _names[i], () => "is handed out through [NewReference] out parameter '" + _names[i] + "' " + path);
                }

                continue;
            }

            if (!state[i].SomePath(RefState.Owned) || IsField(i))
            {
                continue; // a field keeps what it owns
            }

            if (_stealsParameters.Contains(i))
            {
                Report(OwnershipProblem.BrokenContract, () => location, _names[i], () => "[StealsReference] parameter '" + _names[i] + "' is not consumed " + path);
            }
            else if (_kinds[i] == VariableKind.Local)
            {
                Report(OwnershipProblem.Leak, () => location, _names[i], () => path);
                RememberFlags((OwnershipProblem.Leak, location, _names[i]), state);
            }
            else if (!_captures.ContainsValue(i) && state[i].AllPaths(RefState.Owned))
            {
                // A parameter that took a reference of its own on every path and never gave it back. (Only on every
                // path: a borrowed parameter is often IncRef'd under a condition that its release repeats.)
                Report(OwnershipProblem.Leak, () => location, _names[i], () => path);
            }
        }
    }

    // Findings are only kept in the final replay; during the fixpoint iteration nothing is built (locations and line
    // numbers cost a syntax walk), hence the lazily computed location and detail.
    private void Report(OwnershipProblem problem, Func<Location> location, string variable, Func<string> detail)
    {
        if (_collecting && variable != "<capture>")
        {
            Location where = location();
            var key = (problem, where, variable);
            if (_reports.TryGetValue(key, out var seen))
            {
                _reports[key] = (seen.Reports + 1, seen.Block);
            }
            else
            {
                _findings[key] = new OwnershipFinding(problem, where, variable, detail());
                _reports[key] = (1, _position.Block?.Ordinal ?? -1);
            }
        }
    }

    // The flag values of the paths on which a leak was found: a flag that has one value on all of them names the branch.
    private void RememberFlags((OwnershipProblem, Location, string) key, RefState[] state)
    {
        if (_flags.Count == 0 || !_collecting)
        {
            return;
        }

        if (!_leakFlags.TryGetValue(key, out RefState[]? seen))
        {
            _leakFlags[key] = seen = new RefState[_flags.Count];
        }

        for (int f = 0; f < _flags.Count; f++)
        {
            seen[f] |= state[_flags[f]];
        }
    }

    private string BranchOf((OwnershipProblem, Location, string) key)
    {
        if (!_leakFlags.TryGetValue(key, out RefState[]? seen))
        {
            return string.Empty;
        }

        IEnumerable<string> conditions = Enumerable.Range(0, _flags.Count)
            .Where(f => seen[f] is RefState.True or RefState.False)
            .Select(f => "'" + _names[_flags[f]] + "' is " + (seen[f] == RefState.True ? "true" : "false"));
        string where = string.Join(" and ", conditions);
        return where.Length == 0 ? string.Empty : " where " + where;
    }

    /// <summary>
    /// The findings, each told whether every flag-split path through its operation is wrong (a finding reported by
    /// fewer paths than reach its block holds only on some), and for a leak at an exit which release fits there.
    /// </summary>
    private IReadOnlyCollection<OwnershipFinding> Findings()
    {
        var findings = new List<OwnershipFinding>(_findings.Count);
        foreach (KeyValuePair<(OwnershipProblem Problem, Location Where, string Variable), OwnershipFinding> entry in _findings)
        {
            OwnershipFinding finding = entry.Value;
            (int reports, int block) = _reports[entry.Key];
            bool onEveryPath = finding.Problem is not (OwnershipProblem.OverRelease or OwnershipProblem.UseAfterRelease or OwnershipProblem.BorrowedEscapes)
                || block < 0 || reports >= (_blockInputs[block]?.Count ?? 1);
            string? exitRelease = null;
            if (finding.Problem == OwnershipProblem.Leak && _exitStates.TryGetValue((finding.Location, finding.Variable), out RefState atExit)
                && (atExit & ~(RefState.Owned1 | RefState.Null)) == RefState.None)
            {
                exitRelease = (atExit & RefState.Null) != 0 ? "?.DecRef" : ".DecRef";
            }

            string detail = finding.Detail + BranchOf(entry.Key) + (onEveryPath ? string.Empty : " on some paths");
            findings.Add(new OwnershipFinding(finding.Problem, finding.Location, finding.Variable, detail, onEveryPath, exitRelease));
        }

        return findings;
    }

    /// <summary>Where a path leaves: the return or throw statement, else the closing brace of the body.</summary>
    private Location ExitLocation(BasicBlock block, ControlFlowBranch branch)
    {
        SyntaxNode body = _cfg.OriginalOperation.Syntax;
        if (block.BranchValue is { } value && block.ConditionalSuccessor is null)
        {
            SyntaxNode? statement = value.Syntax.Parent;
            return (statement is ReturnStatementSyntax or ThrowStatementSyntax ? statement : value.Syntax).GetLocation();
        }

        // A valueless `return;` or a rethrowing `throw;` leaves no operation behind: it is found in the source after
        // the last code before it, skipping the others of its kind the graph lays out in between (`return;` in a try,
        // then in its catch).
        bool rethrows = branch.Semantics == ControlFlowBranchSemantics.Rethrow;
        if (rethrows || branch.Semantics is ControlFlowBranchSemantics.Return or ControlFlowBranchSemantics.Regular)
        {
            int skipped = 0;
            SyntaxNode? last = null;
            for (int ordinal = block.Ordinal; ordinal >= 0 && last is null; ordinal--)
            {
                BasicBlock earlier = _cfg.Blocks[ordinal];
                last = earlier.BranchValue?.Syntax ?? earlier.Operations.LastOrDefault()?.Syntax;
                if (last is null && ordinal < block.Ordinal && IsValuelessExit(earlier, rethrows))
                {
                    skipped++;
                }
            }

            StatementSyntax? next = last is null ? null : body.DescendantNodes()
                .OfType<StatementSyntax>()
                .Where(statement => (rethrows ? statement is ThrowStatementSyntax { Expression: null } : statement is ReturnStatementSyntax { Expression: null })
                    && statement.SpanStart >= last.Span.End)
                .OrderBy(statement => statement.SpanStart)
                .Skip(IsValuelessExit(block, rethrows) ? skipped : 0)
                .FirstOrDefault();
            if (next is not null)
            {
                return next.GetLocation();
            }
        }

        return body.GetLastToken().GetLocation();
    }

    private static bool IsValuelessExit(BasicBlock block, bool rethrows) =>
        block.FallThroughSuccessor?.Semantics == (rethrows ? ControlFlowBranchSemantics.Rethrow : ControlFlowBranchSemantics.Return)
            && block.BranchValue is null && block.Operations.IsEmpty;

    private static int Line(IOperation operation) => operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
}
