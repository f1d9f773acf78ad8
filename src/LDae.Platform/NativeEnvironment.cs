using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// The process environment as native libraries see it (libc's <c>getenv</c>/<c>setenv</c>). .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change it, and libgomp and glibc's malloc
/// read their settings from here.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>The variable's value, or null when it is not set.</summary>
    public static string? Get(string name) => Marshal.PtrToStringUTF8(getenv(name));

    /// <summary>Sets (overwrites) the variable; false if libc refused.</summary>
    public static bool Set(string name, string value) => setenv(name, value, 1) == 0;

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
