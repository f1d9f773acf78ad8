using System.Reflection;
using System.Xml.Linq;
using LDae.Harness;
using Xunit;

namespace LDae.Tests.Architecture;

/// <summary>
/// References point one way (docs/architecture.md): the paper's library stands without the harness, the runner and
/// the report; the report and the harness the build script loads stand without TorchSharp.
/// </summary>
public class ProjectReferenceTests
{
    static readonly string Src = Path.Combine(Repo.Root(), "src");

    /// <summary>The projects <paramref name="project"/> reaches through ProjectReference, itself included.</summary>
    static IReadOnlySet<string> Reached(string project)
    {
        var reached = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var name))
        {
            if (!reached.Add(name)) continue;
            foreach (var reference in ProjectFile(name).Descendants("ProjectReference"))
                pending.Push(Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value));
        }
        return reached;
    }

    static XDocument ProjectFile(string name) => XDocument.Load(Path.Combine(Src, name, name + ".csproj"));

    static IEnumerable<string> Packages(string project) =>
        Reached(project).SelectMany(p => ProjectFile(p).Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value));

    /// <summary>Every assembly of LDae or TorchSharp that <paramref name="assembly"/>'s compiled code loads, directly or through another.</summary>
    static IReadOnlySet<string> LoadedAssemblies(Assembly assembly)
    {
        var names = new HashSet<string>();
        var pending = new Stack<AssemblyName>([assembly.GetName()]);
        while (pending.TryPop(out var name))
        {
            if (!names.Add(name.Name!)) continue;
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies())
                if (reference.Name!.StartsWith("LDae", StringComparison.Ordinal) || reference.Name.StartsWith("TorchSharp", StringComparison.Ordinal))
                    pending.Push(reference);
        }
        return names;
    }

    [Fact]
    public void Every_project_under_src_is_one_this_test_knows()
    {
        Assert.Equal(["LDae.Cli", "LDae.Files", "LDae.Harness", "LDae.Method", "LDae.Platform", "LDae.Reporting", "LDae.Runner"],
            Directory.GetDirectories(Src).Select(Path.GetFileName).Where(d => File.Exists(Path.Combine(Src, d!, d + ".csproj"))).Order());
    }

    [Fact]
    public void The_method_library_reaches_only_the_platform_and_the_file_layer()
    {
        Assert.Equal(["LDae.Files", "LDae.Method", "LDae.Platform"], Reached("LDae.Method").Order());
        Assert.Equal(["LDae.Files", "LDae.Platform"], Reached("LDae.Platform").Order()); // the platform writes its files atomically too
        Assert.Equal(["LDae.Files"], Reached("LDae.Files"));
        var loaded = LoadedAssemblies(typeof(LDae.Method.Denoiser).Assembly);
        Assert.DoesNotContain("LDae.Harness", loaded);
        Assert.DoesNotContain("LDae.Reporting", loaded);
        Assert.DoesNotContain("LDae.Runner", loaded);
    }

    [Theory]
    [InlineData("LDae.Reporting")]
    [InlineData("LDae.Harness")] // build/build.cake loads it: the build script compiles without libtorch
    public void The_report_and_the_harness_stand_without_TorchSharp(string project)
    {
        Assert.DoesNotContain(Packages(project), p => p.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain("LDae.Method", Reached(project));
        Assert.DoesNotContain("LDae.Platform", Reached(project));
        var assembly = project == "LDae.Reporting" ? typeof(LDae.Reporting.Report).Assembly : typeof(Repo).Assembly;
        Assert.DoesNotContain(LoadedAssemblies(assembly), a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
    }

    [Fact]
    public void The_tokenizer_and_the_build_name_the_same_artifact_manifest()
    {
        Assert.Equal(LDae.Harness.Experiments.TokenizerArtifact.ManifestFile, LDae.Tokenizers.Learned.LearnedTokenizerArtifact.FileName);
    }
}
