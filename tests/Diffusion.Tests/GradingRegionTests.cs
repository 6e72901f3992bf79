using Diffusion.Kit.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>Solution regions, hidden-test markers and the `student` verb's output, without running anything.</summary>
public class GradingRegionTests
{
    [Fact]
    public void ARegionKeepsEachFunctionsSignatureAndThrows()
    {
        var code = """
            int keep = 1;
            // BEGIN SOLUTION
            /// <summary>Doubles.</summary>
            int Twice(int x)
            {
                return 2 * x;
            }

            double Half(double x) => x / 2;
            // END SOLUTION
            var y = Twice(keep);
            """;
        var student = SolutionRegions.ToStudentVersion(code, "test");
        Assert.Contains("int keep = 1;", student);
        Assert.Contains("var y = Twice(keep);", student);
        Assert.Contains("/// <summary>Doubles.</summary>\nint Twice(int x)\n{\n    throw new NotImplementedException(\"Twice: write this function.\");\n}", student);
        Assert.Contains("double Half(double x)\n{\n    throw new NotImplementedException(\"Half: write this function.\");\n}", student);
        Assert.DoesNotContain("2 * x", student);
        Assert.DoesNotContain("x / 2", student);
        Assert.DoesNotContain(SolutionRegions.Begin, student);
    }

    [Theory]
    [InlineData("// BEGIN SOLUTION\nvar x = 1;\n// END SOLUTION", "only whole functions")]
    [InlineData("// BEGIN SOLUTION\nint F() => 1;", "has no `// END SOLUTION`")]
    [InlineData("int F() => 1;\n// END SOLUTION", "without a `// BEGIN SOLUTION`")]
    [InlineData("// BEGIN SOLUTION\n// END SOLUTION", "holds no function")]
    [InlineData("// BEGIN SOLUTION\nint F( => 1;\n// END SOLUTION", "does not parse")]
    public void MalformedRegionsAreRefusedSayingWhere(string code, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SolutionRegions.ToStudentVersion(code, "N, cell 3"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("N, cell 3", e.Message);
    }

    [Fact]
    public async Task HiddenTestMarkersGiveSectionAndPoints()
    {
        var dir = TempDir("hidden");
        var path = WriteNotebook(dir, "n",
            ("csharp", "// HIDDEN TEST: 1.1 Forward process [4 points]\nCheck();"),
            ("csharp", "var notATest = 1;"),
            ("csharp", "\n// HIDDEN TEST: Figures [1.5 point]\nFigures();"));
        var tests = HiddenTest.In(await NotebookExecutor.LoadAsync(path), "n");
        Assert.Equal([(1, "1.1 Forward process", 4.0), (2, "Figures", 1.5)], tests.Select(t => (t.Index, t.Section, t.Points)));

        var bad = WriteNotebook(dir, "bad", ("csharp", "// HIDDEN TEST: no points here\nCheck();"));
        var e = Assert.Throws<FormatException>(() => HiddenTest.In(NotebookExecutor.LoadAsync(bad).Result, "bad"));
        Assert.Contains("[N points]", e.Message);
    }

    [Fact]
    public async Task StudentVersionsOfTheKitsNotebooksHideEverySolutionAndTestAndAreStable()
    {
        var outDir = TempDir("student");
        var graded = new[] { "A1-sampling-loops", "A2-guidance-and-editing", "A3-illusions", "B1-single-step-denoiser", "B2-time-conditioned-ddpm", "B3-class-conditioned-ddpm", "B4-flow-matching-time", "B5-flow-matching-class" };
        foreach (var name in graded)
        {
            var source = Path.Combine(KitPaths.Notebooks, name + ".dib");
            var key = await NotebookExecutor.LoadAsync(source);
            Assert.NotEmpty(HiddenTest.In(key, name));
            Assert.Contains(key.Elements, e => SolutionRegions.Contains(e.Contents));

            var first = await StudentVersions.WriteAsync(source, outDir, KitPaths.Root);
            var text = File.ReadAllText(first.Path);
            Assert.True(first.Regions > 0, name);
            Assert.Equal(HiddenTest.In(key, name).Count, first.HiddenTestsRemoved);
            Assert.DoesNotContain("HIDDEN TEST", text);
            Assert.DoesNotContain(SolutionRegions.Begin, text);
            Assert.Contains("NotImplementedException", text);
            var library = Path.GetRelativePath(outDir, Path.Combine(KitPaths.Root, "artifacts", "lib")).Replace('\\', '/');
            Assert.Contains($"#r \"{library}/Diffusion.Lib.dll\"", text);

            await StudentVersions.WriteAsync(source, outDir, KitPaths.Root);
            Assert.Equal(text, File.ReadAllText(first.Path));   // idempotent
        }
    }
}
