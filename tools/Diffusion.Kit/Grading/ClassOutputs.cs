using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Similarity;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Everything a grading run writes for its class, from the grades and the executed notebooks under feedback/: each
/// student's feedback, grades.csv/json, the figure galleries for manual grading and the similarity report. A single
/// `grade` run and `grade merge` of its shards both write through here, so their outputs are the same.
/// </summary>
public static class ClassOutputs
{
    /// <returns>The figures the gallery shows (in gallery/figures/).</returns>
    public static IReadOnlyList<Figure> Write(string outDir, GradingKey key, IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> byStudent,
        IReadOnlyList<string> unmatched, string containment, PlotlyScript plotly, IReadOnlyList<RubricScore> rubric, double rubricPoints)
    {
        foreach (var (student, list) in byStudent)
            Feedback.WriteStudent(outDir, student, list, plotly, containment, rubric.Where(r => r.Student == student).ToList());
        Feedback.WriteSummary(outDir, key, byStudent, unmatched, containment, rubric);
        var figures = NotebookFigures.Collect(outDir, key, byStudent);
        GalleryPages.Write(Path.Combine(outDir, "gallery"), byStudent.Keys.ToList(), figures, rubric, rubricPoints);
        SimilarityReport.Write(Path.Combine(outDir, "similarity"), key, byStudent, figures);
        return figures;
    }
}
