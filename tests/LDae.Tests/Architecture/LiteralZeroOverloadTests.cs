using System.Reflection;
using System.Text.RegularExpressions;
using LDae.Harness;
using TorchSharp;
using Xunit;

namespace LDae.Tests.Architecture;

/// <summary>
/// C# converts the constant 0, and no other integer literal, to any enum type. Where a Tensor method has an overload
/// whose first parameter is a <see cref="torch.ScalarType"/> beside one whose first parameter is a dimension,
/// <c>x.sum(0)</c> calls <c>sum(ScalarType.Byte)</c>: the total of the whole tensor cast to bytes, not the sum over
/// dimension 0. The list of such methods comes from TorchSharp itself; no source file may call one with a bare 0.
/// </summary>
public class LiteralZeroOverloadTests
{
    /// <summary>Tensor methods where a literal 0 first argument binds to a ScalarType overload.</summary>
    static IReadOnlySet<string> TrappedMethods()
    {
        static bool IsScalarType(Type t) => (Nullable.GetUnderlyingType(t) ?? t) == typeof(torch.ScalarType);
        static bool IsInteger(Type t) => t == typeof(long) || t == typeof(int) || t == typeof(long[]) || t == typeof(long?);
        return typeof(torch.Tensor).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetParameters().Length > 0)
            .GroupBy(m => m.Name)
            .Where(g => g.Any(m => IsScalarType(m.GetParameters()[0].ParameterType))
                     && g.Any(m => IsInteger(m.GetParameters()[0].ParameterType)))
            .Select(g => g.Key)
            .ToHashSet();
    }

    [Fact]
    public void The_trap_is_real_for_sum()
    {
        Assert.Contains("sum", TrappedMethods());
        using var x = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var byDimension = x.sum(0L);
        using var byLiteralZero = x.sum(0);
        Assert.Equal([2L], byDimension.shape);
        Assert.Empty(byLiteralZero.shape);                // one scalar: the whole tensor summed
    }

    [Fact]
    public void No_source_calls_a_trapped_method_with_a_bare_zero()
    {
        var names = string.Join("|", TrappedMethods().Select(Regex.Escape));
        var call = new Regex($@"\.({names})\(\s*0\s*[,)]");
        var offenders = Directory.EnumerateFiles(Path.Combine(Repo.Root(), "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(l => call.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(Repo.Root(), l.f)}:{l.i + 1}: {l.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "a literal 0 binds to the ScalarType overload (write 0L):\n" + string.Join("\n", offenders));
    }
}
