//! Hostile nesting (issue 9): queries nested far past Kusto's depth limit get one located
//! KS245 diagnostic and no analysis instead of overflowing the stack, whatever the thread's
//! stack size, and quickly.

use ccfgen_kql::{Analysis, Column, Options, ScalarType, analyze, codes};

/// Analyses on a thread with a small stack (64 KiB), as a worker thread of a host program may
/// have: deep recursion must continue on new stack segments, never overflow.
fn analyze_small_stack(query: String) -> Analysis {
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let input = [Column::new("a", ScalarType::Long)];
            analyze(&query, &input, &Options::default())
        })
        .expect("spawn")
        .join()
        .expect("the analysis must not crash")
}

fn assert_too_deep(query: &str) -> Analysis {
    let a = analyze_small_stack(query.to_string());
    let codes: Vec<&str> = a.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(
        codes.contains(&codes::SYNTAX_TOO_DEEP),
        "no KS245 for a query of {} bytes: {codes:?}",
        query.len()
    );
    assert!(!a.is_ok());
    assert_eq!(a.output, None);
    a
}

#[test]
fn deep_parentheses_report_the_limit_at_its_place() {
    let q = format!(
        "source | extend b = {}a{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let a = assert_too_deep(&q);
    assert_eq!(a.diagnostics.len(), 1, "{:?}", a.diagnostics);
    let d = &a.diagnostics[0];
    // located inside the parentheses, where the limit was crossed (not at offset 0)
    assert_eq!(&q[d.span.clone()], "(");
    assert!(d.span.start > 400 && d.span.start < 700, "{:?}", d.span);
    assert_eq!((d.line, d.column as usize), (1, d.span.start + 1));
    assert!(d.message.contains("500"), "{}", d.message);
}

#[test]
fn every_kind_of_nesting_is_bounded() {
    let r = |s: &str, n: usize| s.repeat(n);
    for n in [600, 5000, 50_000] {
        assert_too_deep(&format!("source | extend b = {}a", r("(", n)));
        assert_too_deep(&format!("source | extend b = a{}", r("+a", n)));
        assert_too_deep(&format!("source{}", r(" | where a > 1", n)));
        assert_too_deep(&format!("print {}1{}", r("iff(true, 1, ", n), r(")", n)));
        assert_too_deep(&format!("print dynamic({}1{})", r("[", n), r("]", n)));
        assert_too_deep(&format!("print dynamic({}", r("{\"a\":", n)));
        assert_too_deep(&format!("print {}1", r("-", 2 * n)));
        assert_too_deep(&format!("{}print 1{}", r("print toscalar(", n), r(")", n)));
        assert_too_deep(&format!("source | extend b = a{}", r(".x", n)));
        assert_too_deep(&format!("source | extend b = a{}", r("[0]", n)));
        assert_too_deep(&format!("{}1{}", r("let f = () {", n), r("};", n)));
        assert_too_deep(&format!(
            "source | where a in ({}1{})",
            r("(", n),
            r(")", n)
        ));
    }
}

#[test]
fn below_the_limit_deep_queries_are_analysed() {
    let r = |s: &str, n: usize| s.repeat(n);
    for q in [
        format!("source | extend b = {}a{}", r("(", 480), r(")", 480)),
        format!("source | extend b = a{}", r("+a", 480)),
        format!("source{}", r(" | where a > 1", 480)),
        format!(
            "source | extend b = {}a{}",
            r("iff(a > 1, a, ", 110),
            r(")", 110)
        ),
        format!(
            "let f = (x:long) {{ {}x{} }};\nsource | extend b = f(a)",
            r("(", 400),
            r(")", 400)
        ),
    ] {
        let a = analyze_small_stack(q.clone());
        assert!(a.is_ok(), "{:?}", a.diagnostics);
        let out = a.output.expect("schema");
        assert_eq!(out.last().map(|c| c.ty), Some(ScalarType::Long), "{q:.60}");
    }
}
