using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LDae.Runtime;

namespace LDae;

/// <summary>
/// The platform prepares libtorch before this library's first torch call, whichever entry point makes it. The
/// libraries that call torch (LDae.Method, LDae.Runner) compile this one file each; file-local, it is a type of
/// each of them alone.
/// </summary>
file static class TorchRuntimeFirst
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "TorchSharp's native-library resolver must be in place before any code of this library calls torch.")]
    internal static void Prepare() => TorchRuntime.Prepare();
}
