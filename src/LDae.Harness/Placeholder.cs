namespace LDae.Harness;

internal static class AssemblyMarker { }
