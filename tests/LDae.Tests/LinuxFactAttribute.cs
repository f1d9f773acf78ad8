using Xunit;

namespace LDae.Tests;

/// <summary>
/// A test of something only Linux has (/proc, glibc, ELF, bash and its signals, the libtorch switches bound on Linux):
/// reported as skipped elsewhere, with what it needs, instead of passing without having run.
/// </summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string needs) => Skip = LinuxOnly.SkipReason(needs);
}

/// <summary>The <see cref="LinuxFactAttribute"/> of a theory.</summary>
public sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute(string needs) => Skip = LinuxOnly.SkipReason(needs);
}

public static class LinuxOnly
{
    /// <summary>Null on Linux (the test runs), else the reason it is skipped.</summary>
    public static string? SkipReason(string needs, bool isLinux) => isLinux ? null : $"needs Linux: {needs}";

    public static string? SkipReason(string needs) => SkipReason(needs, OperatingSystem.IsLinux());
}

public class LinuxOnlyTests
{
    [Fact]
    public void A_linux_only_test_runs_on_linux_and_says_what_it_needs_elsewhere()
    {
        Assert.Null(LinuxOnly.SkipReason("/proc", isLinux: true));
        Assert.Equal("needs Linux: /proc", LinuxOnly.SkipReason("/proc", isLinux: false));
        Assert.Equal(OperatingSystem.IsLinux(), new LinuxFactAttribute("/proc").Skip is null);
    }
}
