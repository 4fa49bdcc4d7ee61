"""The report's message catalog: every heading, label and template sentence, in English and
Chinese, with the same keys and the same placeholders (the tests pin both).

Templates are `str.format` strings. Arguments are inserted verbatim, so a quotation from a
source stays in its own language whatever the reader's; a zh template keeps the order of
placeholders that can carry citation markers (quotes), so numbering by first appearance
is the same in both languages.
"""

from __future__ import annotations

import string

LANGUAGES = ("en", "zh")

EN: dict[str, str] = {
    # Headings, in section order
    "title": "Decision report",
    "h_question": "The question",
    "h_verdict": "Verdict",
    "h_predictions": "Predictions",
    "h_action_plan": "Action plan",
    "h_future_paths": "Future paths",
    "h_deeper_story": "The deeper story",
    "h_evidence": "Evidence",
    "h_risks": "Risks",
    "h_panel": "The panel",
    "h_rounds": "Debate rounds",
    "h_sources": "Sources",
    "h_research_library": "Research library",
    "h_unused_sources": "Unused sources",
    # Labels
    "run_date": "Run date: {date}. Debate engine: {debate_engine}. Report engine: {engine}.",
    "colon": ": ",
    "strongest_evidence": "Strongest evidence",
    "strongest_objection": "Strongest objection",
    "probability": "{percent}%",
    "time_frame": "Time frame",
    "derived_by": "Derived by",
    "method_llm judgement": "LLM judgement",
    "method_panel vote": "panel vote",
    "method_evidence balance": "evidence balance",
    "owner": "Owner",
    "say": "Say",
    "this_week": "This week (by {date})",
    "by_date": "By {date}",
    "month": "Month {month}",
    "basis_quote": "quote",
    "basis_forecast": "forecast",
    "basis_forecast_dated": "forecast; the month is the time it names",
    "basis_recommendation": "recommendation",
    "col_advisor": "Advisor",
    "col_role": "Role",
    "col_confidence": "Confidence",
    "col_reason": "Why",
    "kind_domain": "domain",
    "kind_auditor": "auditor",
    "kind_contrarian": "contrarian",
    "round": "Round {number}: {theme}",
    "summary": "Summary",
    "leans": "leans toward “{option}”",
    "leans_narrowly": "leans narrowly toward “{option}”",
    "cited_by": "used by {advisors}",
    "point_weight": "one point; quoted passages: {passages}, distinct sources: {sources}",
    "side_weight": "For “{option}”: key points: {points}; distinct sources behind them: {sources}.",
    "source_counts": "Sources retrieved into the advisors' briefs: {retrieved}; cited in this "
    "report: {cited}; retrieved but not cited: {unused}. Library sources never retrieved: "
    "{never}.",
    "unused_count": "Retrieved into a brief but not cited ({count}):",
    "never_count": "Never retrieved into any brief ({count}):",
    "library_number": "library source {number}",
    "untitled": "untitled",
    "none": "None.",
    "audit_legend": "Citation audit ({judge})",
    "verdict_supported": "supported",
    "verdict_partially_supported": "partially supported",
    "verdict_not_supported": "not supported",
    "verdict_contradicted": "contradicted by its source",
    "verdict_uncited": "uncited",
    "verdict_citation_unresolvable": "citation unresolvable",
    "audit_totals": "Citation recall {recall}%, citation precision {precision}%, over {claims} "
    "claims.",
    "prose_untranslated": "Note: no language model is configured, so the prose (quotations, the "
    "debate's turns and summaries) stays in its original language; headings, labels and "
    "templated sentences are translated.",
    "prose_translated": "The prose was translated by a language model; quotations from sources "
    "stay in their original language.",
    # Section notes (generated_by)
    "note_verdict_extractive": "Built from the stance of each cited passage and the panel's "
    "confidences, not generated.",
    "note_predictions_extractive": "Built from evidence, not generated: forecasts are quoted from "
    "cited passages, and each probability comes from the panel vote or the evidence balance, "
    "as it says.",
    "note_action_plan_extractive": "Built from the debate, not generated: steps come from the "
    "verdict, the Auditor's fact-checks and the advisors' proposals (only quotes that "
    "recommend something); dates count from the run date.",
    "note_future_paths_extractive": "Built from evidence, not generated: each path strings "
    "together the forecasts and recommendations quoted from the cited passages that lean one "
    "way, in time order. A forecast that names a time sits at that month (read against the run "
    "date); recommendations are placed at months 3 to 9 and undated forecasts at 12 to 24, "
    "which orders them and forecasts nothing.",
    "note_deeper_story_extractive": "Built from the debate's stance counts and the passages the "
    "advisors reached for, not generated.",
    "note_evidence_extractive": "Key points: the claims the advisors made, grouped where "
    "they make the same point (close sentence embeddings, one side per point), each shown by "
    "its most central quote and citing every passage behind it; weighed by distinct sources.",
    "note_risks_extractive": "Built from the objections, the cautions quoted from cited "
    "passages, the Auditor's fact-checks and the panel's confidences, not generated.",
    "note_llm": "Written by a language model ({model}) from the debate; its citations were "
    "checked against the debate's passages.",
    "note_debate": "From the debate transcript.",
    "note_llm_fallback": "The language model ({model}) gave no valid {what}, so this section "
    "was built from evidence instead ({why}).",
    "note_part_fallback": "The language model gave no valid {what}; the extractive engine "
    "wrote it instead ({why}).",
    # Template sentences of the extractive engine
    "quote": "“{quote}”",
    "quote_said": "{advisor}, round {round}: “{quote}”",
    "verdict_answer": "The evidence the panel cited leans toward “{option}”: {pro} of the "
    "{sided} cited passages that take a side point that way.",
    "verdict_close": "The evidence the panel cited is too close to call: {pa} passages lean "
    "toward “{a}” and {pb} toward “{b}”, a split this narrow could go either way, so the "
    "evidence alone does not decide the question.",
    "verdict_none": "The evidence the panel cited takes no clear side on the question.",
    "verdict_side": "For “{option}”: {points} key points from {sources} sources; the "
    "strongest, from {weight} sources: {point}",
    "verdict_readings": "How sure those readings are: {narrow} of the {sided} cited passages "
    "that take a side lean by less than {margin} in the stance model's probabilities (the "
    "chance it gives one option minus the chance it gives the other). Calls that narrow were "
    "right {narrow_right}% of the time on the debate motions it was tuned on, against "
    "{wide_right}% at {wide} or more, so a count made mostly of them says little: read the "
    "quotes themselves.",
    "verdict_quote_use": "The Auditor also checked how {measured} cited claims used their "
    "passages: {agree} cite passages that lean the way their speaker argued and {against} "
    "passages that lean the other way; {on_theme} bear on their round's theme.",
    "story_points": "Beneath the debate the argument turns on {total} key points: {a_points} "
    "for “{a}” and {b_points} for “{b}”. The one the most sources make: {point}",
    "verdict_reasoning": "Confidence in “{option}” ranges from {low}% ({low_name}) to "
    "{high}% ({high_name}), median {median}%, each from the balance of the advisor's own "
    "brief. The Auditor found {backed} of {checked} checked claims backed by the passages "
    "they cite. The strongest evidence for “{option}” and the strongest objection to it "
    "follow, in the sources' words.",
    "verdict_reasoning_plain": "Confidence in this verdict ranges from {low}% ({low_name}) to "
    "{high}% ({high_name}), median {median}%, each from the balance of the advisor's own "
    "brief. The Auditor found {backed} of {checked} checked claims backed by the passages "
    "they cite. The strongest evidence for the verdict and the strongest objection to it "
    "follow, in the sources' words.",
    "pred_verdict_holds": "If this question is debated again in {months} months on an updated "
    "library, the cited evidence will still lean toward “{option}”.",
    "pred_verdict_flips": "If this question is debated again in {months} months on an updated "
    "library, the cited evidence will lean toward “{option}” instead.",
    "pred_panel_holds": "If this question is debated again in {months} months on an updated "
    "library, the panel will reach the same verdict.",
    "pred_quote": "What this source forecasts comes true: “{quote}”",
    "horizon_months": "within {months} months",
    "horizon_source": "{words} (the source's words; about {months} months)",
    "horizon_resolved": "{words} (the source's words, read as {when}: about {months} months "
    "after the run date)",
    "horizon_default": "within {months} months (the source gives no time frame; this is the "
    "report's default horizon)",
    "basis_panel_vote": "The mean of {count} advisors' confidences in the verdict, each from "
    "the balance of their own brief.",
    "basis_evidence_balance": "{same} of the {sided} cited passages that take a side lean the "
    "same way as this forecast (“{option}”): ({same} + 1) / ({sided} + 2).",
    "basis_evidence_neutral": "The passage takes no side on the question, so the evidence "
    "balance gives no edge either way.",
    "act_share": "Put the verdict (“{option}”) and the strongest objection to it in front of "
    "the people who own the decision, and ask what evidence would change their minds.",
    "act_share_open": "Put the evidence on both sides and the strongest objection in front "
    "of the people who own the decision, and ask what evidence would settle it for them.",
    "script_share_open": "“The sources we gathered do not settle this on their own. The "
    "strongest case on each side is in the report. What evidence would settle it for you?”",
    "script_share": "“The sources we gathered lean toward {option}: {pro} of {sided} passages "
    "that take a side. The strongest case against it is in the report. What would change your "
    "mind?”",
    "act_check": "Check the {count} claims the Auditor found only partly backed or not backed "
    "by their passages before anyone relies on them, starting with: “{quote}”",
    "script_check": "“Before we rely on this, can we see where the source says it?”",
    "act_proposal": "Take up {advisor}'s proposal from the debate: “{quote}”",
    "script_proposal": "“Our sources suggest: {quote} What would it take for us to start by "
    "{date}?”",
    "act_review": "Debate the question again with sources published since {date}, and score "
    "the predictions above against what happened.",
    "owner_you": "You (the decision owner)",
    "verdict_insufficient": "Insufficient evidence: the library cannot answer this question. "
    "Only {passages} passages from {sources} sources bear on it, too few to name an option "
    "or give a probability.",
    "verdict_insufficient_reasoning": "The reader model held back {held_back} retrieved "
    "passages as not bearing on the question. What the library does cover: {covers}. To "
    "answer “{question}”, it needs sources that address it directly: studies, data, "
    "evaluations or expert reports on this question. Find some with `agora library discover "
    '"QUESTION"`, add them with `agora library add URL-OR-PATH`, and debate again.',
    "act_discover": "Find sources that address the question: `agora library discover "
    '"{question}"` lists candidates (studies, data, evaluations, expert reports).',
    "act_add_sources": "Add the ones worth reading with `agora library add URL-OR-PATH` (or "
    "`--from refs.bib` from a reference manager), and check `agora library list` for failures.",
    "act_debate_again": "Debate “{question}” again on the enlarged library.",
    "owner_analyst": "An analyst",
    "owner_advisor": "{advisor} ({role})",
    "path_title_option": "Proceed on “{option}”",
    "path_premise_option": "If you treat the situation as “{option}” and act on it, the "
    "passages that lean that way mark the road.",
    "path_title_reframe": "Reframe the question",
    "path_premise_reframe": "If you treat the question itself as framed wrongly, as the premise "
    "round argued, the reframing passages mark the road.",
    "milestone_quote": "Look for: “{quote}”",
    "milestone_forecast": "Forecast due ({percent}%): “{quote}”",
    "milestone_recommendation": "A source recommends: “{quote}”",
    "story_shift": "In round {first} the turns that took a side leaned {a_first} to {b_first} "
    "between “{a}” and “{b}”; in round {last} they leaned {a_last} to {b_last}.",
    "story_common": "The passage the most advisors reached for ({count}: {advisors}): “{quote}”",
    "story_better": "The better story the final round told, in the sources' words: “{quote}”",
    "story_contrarian": "What the Contrarian found that the others left unused: “{quote}”",
    "risk_objection": "The verdict could be wrong if this holds: “{quote}”",
    "risk_objection_close": "Leaning toward “{option}” would be wrong if this holds: “{quote}”",
    "risk_caveat": "A cited source cautions: “{quote}”",
    "risk_unchecked": "{count} of the {checked} claims the Auditor checked were only partly "
    "backed or not backed by the passages they cite.",
    "risk_low_confidence": "{advisor} gives the verdict only {percent}%.",
    "risk_heuristic": "Which way each passage leans was judged by a heuristic (option mentions "
    "and embedding similarity), not by a reader; a misread passage shifts the balance.",
    "risk_stance_model_choice": "Which way each passage leans was read by Agora's small "
    'stance model, trained on debate arguments and fact checks; an "A or B?" question like '
    "this one is read as two yes/no questions. On arguments about motions it never saw, "
    "between three in four and four in five of its calls are right, depending on how the "
    "question is worded (docs/benchmarks.md, Reader model). On business passages like those "
    "of Agora's demo library, labelled by hand, only {business_right}% of its calls were right "
    "(a coin would get half; docs/benchmarks.md, Stance on business passages): do not take the "
    "counts of passages leaning each way as evidence on their own, and read the quotes the "
    "verdict rests on.",
    "risk_stance_model": "Which way each passage leans was read by Agora's small stance "
    "model, trained on debate arguments and fact checks: on arguments about motions it never "
    "saw, about four of its calls in five are right (docs/benchmarks.md, Reader model). On "
    "business passages like those of Agora's demo library, labelled by hand, only "
    "{business_right}% of its calls were right (a coin would get half; docs/benchmarks.md, "
    "Stance on business passages): do not take the counts of passages leaning each way as "
    "evidence on their own, and read the quotes the verdict rests on.",
    "risk_reader": "Which way each passage leans was read by Agora's small reader model, "
    "whose stance calls are right about half the time on held-out arguments (see "
    "docs/benchmarks.md, Reader model): treat the counts of passages leaning each way as "
    "rough, and read the quotes the verdict rests on.",
    "risk_thin": "Only {sided} cited passages take a side at all; a few new sources could "
    "reverse the balance.",
    "closing_extractive": "This report was machine-generated by Agora from the sources listed "
    "above; its prose was assembled from those sources by the extractive engine, not written "
    "by a person or a language model. It is not professional advice.",
    "closing_llm": "This report was machine-generated by Agora with a language model "
    "({model}) from the sources listed above. It is not professional advice.",
}

ZH: dict[str, str] = {
    "title": "决策报告",
    "h_question": "问题",
    "h_verdict": "结论",
    "h_predictions": "预测",
    "h_action_plan": "行动计划",
    "h_future_paths": "未来路径",
    "h_deeper_story": "深层脉络",
    "h_evidence": "证据",
    "h_risks": "风险",
    "h_panel": "顾问团",
    "h_rounds": "辩论回合",
    "h_sources": "来源",
    "h_research_library": "研究资料",
    "h_unused_sources": "未使用的来源",
    "run_date": "运行日期：{date}。辩论引擎：{debate_engine}。报告引擎：{engine}。",
    "colon": "：",
    "strongest_evidence": "最有力的证据",
    "strongest_objection": "最有力的反对意见",
    "probability": "{percent}%",
    "time_frame": "时间范围",
    "derived_by": "推导方式",
    "method_llm judgement": "语言模型判断",
    "method_panel vote": "顾问团投票",
    "method_evidence balance": "证据权衡",
    "owner": "负责人",
    "say": "会上可以这样说",
    "this_week": "本周内（{date} 前）",
    "by_date": "{date} 前",
    "month": "第 {month} 个月",
    "basis_quote": "引文",
    "basis_forecast": "预测",
    "basis_forecast_dated": "预测；月份即其所指的时间",
    "basis_recommendation": "建议",
    "col_advisor": "顾问",
    "col_role": "角色",
    "col_confidence": "信心",
    "col_reason": "理由",
    "kind_domain": "领域专家",
    "kind_auditor": "核查员",
    "kind_contrarian": "反方",
    "round": "第 {number} 回合：{theme}",
    "summary": "小结",
    "leans": "倾向“{option}”",
    "leans_narrowly": "略微倾向“{option}”",
    "cited_by": "引用者：{advisors}",
    "point_weight": "同一论点：引文 {passages} 段，不同来源 {sources} 个",
    "side_weight": "支持“{option}”：论点 {points} 个，其背后的不同来源 {sources} 个。",
    "source_counts": "共有 {retrieved} 个来源被检索进顾问的材料：本报告引用了 {cited} 个，"
    "{unused} 个被检索但未引用。另有 {never} 个资料库来源从未被检索到。",
    "unused_count": "{count} 个来源被检索但未引用：",
    "never_count": "{count} 个资料库来源从未被检索进任何顾问的材料：",
    "library_number": "资料库来源 {number}",
    "untitled": "无标题",
    "none": "无。",
    "audit_legend": "引用核查（{judge}）",
    "verdict_supported": "有依据",
    "verdict_partially_supported": "部分有依据",
    "verdict_not_supported": "无依据",
    "verdict_contradicted": "与来源相矛盾",
    "verdict_uncited": "未引用",
    "verdict_citation_unresolvable": "引用无法解析",
    "audit_totals": "引用召回率 {recall}%，引用精确率 {precision}%，共 {claims} 条论断。",
    "prose_untranslated": "说明：未配置语言模型，正文（引文、辩论发言和小结）保留原文语言；"
    "标题、标签和模板语句已译为中文。",
    "prose_translated": "正文由语言模型翻译；来源引文保留原文语言。",
    "note_verdict_extractive": "依据每段被引用材料的立场和顾问团的信心构建，并非生成。",
    "note_predictions_extractive": "依据证据构建，并非生成：预测引自被引用的材料，每项概率"
    "来自顾问团投票或证据权衡，并注明方式。",
    "note_action_plan_extractive": "依据辩论构建，并非生成：步骤来自结论、核查员的事实核查"
    "和顾问的提议（仅限提出建议的引文）；日期从运行日期起算。",
    "note_future_paths_extractive": "依据证据构建，并非生成：每条路径按时间顺序，串起倾向同一"
    "方向的被引用材料中的预测和建议。注明时间的预测放在其所指的月份（按运行日期换算）；建议放在"
    "第 3 至 9 个月，未注明时间的预测放在第 12 至 24 个月，只表示先后次序，并非预测。",
    "note_deeper_story_extractive": "依据辩论中的立场统计和顾问们共同引用的材料构建，并非生成。",
    "note_evidence_extractive": "论点：顾问们提出的论断，表达同一论点者归为一组"
    "（句向量相近，每个论点只属一方），以组内最具代表性的引文呈现，"
    "并引用其背后的每一段材料；按不同来源的数量衡量。",
    "note_risks_extractive": "依据反对意见、被引用材料中的提醒、核查员的事实核查和顾问团的信心"
    "构建，并非生成。",
    "note_llm": "由语言模型（{model}）依据辩论撰写；其引用已对照辩论中的材料核验。",
    "note_debate": "摘自辩论记录。",
    "note_llm_fallback": "语言模型（{model}）未能给出有效的{what}，"
    "因此本节改为依据证据构建（{why}）。",
    "note_part_fallback": "语言模型未能给出有效的{what}；改由抽取式引擎撰写（{why}）。",
    "quote": "“{quote}”",
    "quote_said": "{advisor}，第 {round} 回合：“{quote}”",
    "verdict_answer": "顾问团引用的证据倾向“{option}”：在表明立场的 {sided} 段被引用材料中，"
    "有 {pro} 段指向这一方向。",
    "verdict_close": "顾问团引用的证据难分高下：{pa} 段倾向“{a}”，{pb} 段倾向“{b}”，"
    "差距太小，可能朝任一方向变化，仅凭证据无法判定。",
    "verdict_none": "顾问团引用的证据在这个问题上没有明确立场。",
    "verdict_side": "支持“{option}”：{points} 个要点，来自 {sources} 个来源；最有力的一个"
    "（{weight} 个来源）：{point}",
    "verdict_readings": "这些判读有多可靠：在表明立场的 {sided} 段被引用材料中，有 {narrow} "
    "段在立场模型的概率上只领先不到 {margin}（模型给一个选项的概率减去给另一个选项的概率）。"
    "在用于调参的辩题上，如此接近的判断只有 {narrow_right}% 是对的，领先 {wide} 或以上时为 "
    "{wide_right}%；主要由这类判读构成的计数说明不了多少，请直接阅读引文。",
    "verdict_quote_use": "核查员还检查了 {measured} 条有引用的论断如何使用其材料：{agree} 条"
    "所引材料的倾向与发言者的主张一致，{against} 条相反；{on_theme} 条切合该回合的主题。",
    "story_points": "辩论之下，论证围绕 {total} 个要点展开：{a_points} 个支持“{a}”，"
    "{b_points} 个支持“{b}”。最多来源提出的一个：{point}",
    "verdict_reasoning": "顾问对“{option}”的信心从 {low}%（{low_name}）到 {high}%"
    "（{high_name}），中位数为 {median}%，各自依据本人材料中的证据权衡得出。核查员核查了 "
    "{checked} 条论断，其中 {backed} 条得到所引材料的支持。下面以来源原文列出支持“{option}”的"
    "最有力证据和最有力的反对意见。",
    "verdict_reasoning_plain": "顾问对这一结论的信心从 {low}%（{low_name}）到 {high}%"
    "（{high_name}），中位数为 {median}%，各自依据本人材料中的证据权衡得出。核查员核查了 "
    "{checked} 条论断，其中 {backed} 条得到所引材料的支持。下面以来源原文列出支持结论的最有力"
    "证据和最有力的反对意见。",
    "pred_verdict_holds": "如果在 {months} 个月后用更新的资料库重新辩论这个问题，被引用的证据"
    "仍会倾向“{option}”。",
    "pred_verdict_flips": "如果在 {months} 个月后用更新的资料库重新辩论这个问题，被引用的证据"
    "将转而倾向“{option}”。",
    "pred_panel_holds": "如果在 {months} 个月后用更新的资料库重新辩论这个问题，顾问团会得出"
    "相同的结论。",
    "pred_quote": "该来源的预测将会应验：“{quote}”",
    "horizon_months": "{months} 个月内",
    "horizon_source": "{words}（来源原文；约 {months} 个月）",
    "horizon_resolved": "{words}（来源原文，按运行日期理解为 {when}："
    "约为运行日期后 {months} 个月）",
    "horizon_default": "{months} 个月内（来源未给出时间范围，此为报告的默认期限）",
    "basis_panel_vote": "{count} 位顾问对结论信心的平均值，每位的信心依据其本人材料中的证据"
    "权衡得出。",
    "basis_evidence_balance": "在表明立场的 {sided} 段被引用材料中，有 {same} 段与该预测"
    "（“{option}”）方向一致：({same} + 1) / ({sided} + 2)。",
    "basis_evidence_neutral": "该材料对问题不持立场，因此证据权衡不偏向任何一方。",
    "act_share": "把结论（“{option}”）及其最有力的反对意见提交给决策负责人，并询问什么证据会"
    "改变他们的看法。",
    "act_share_open": "把双方的证据和最有力的反对意见提交给决策负责人，并询问什么证据能让他们"
    "做出判断。",
    "script_share_open": "“我们收集的来源本身不足以定论。双方最有力的论点都写在报告里。什么证据"
    "能让你做出判断？”",
    "script_share": "“我们收集的来源倾向 {option}：在表明立场的 {sided} 段材料中有 {pro} 段。"
    "最有力的反方论点写在报告里。什么会改变你的看法？”",
    "act_check": "在任何人依赖之前，先核实核查员认为所引材料仅部分支持或不支持的 {count} 条"
    "论断，从这一条开始：“{quote}”",
    "script_check": "“在依赖这一点之前，能否指出来源原文在哪里这样说？”",
    "act_proposal": "采纳 {advisor} 在辩论中的提议：“{quote}”",
    "script_proposal": "“我们的来源建议：{quote} 要在 {date} 前开始，我们需要做什么？”",
    "act_review": "用 {date} 之后发表的来源重新辩论这个问题，并对照实际情况为上面的预测打分。",
    "owner_you": "你（决策负责人）",
    "verdict_insufficient": "证据不足：资料库无法回答这个问题。与之相关的只有来自 {sources} "
    "个来源的 {passages} 段材料，不足以指出任何选项或给出概率。",
    "verdict_insufficient_reasoning": "阅读模型判定 {held_back} 段检索到的材料与问题无关而未采用。"
    "资料库目前涵盖：{covers}。要回答“{question}”，需要直接讨论这一问题的来源："
    '研究、数据、评估或专家报告。可用 `agora library discover "QUESTION"` 查找，'
    "用 `agora library add URL-OR-PATH` 加入，然后重新辩论。",
    "act_discover": '查找讨论这一问题的来源：`agora library discover "{question}"` '
    "会列出候选（研究、数据、评估、专家报告）。",
    "act_add_sources": "用 `agora library add URL-OR-PATH`（或从文献管理软件导出的 "
    "`--from refs.bib`）加入值得读的来源，并用 `agora library list` 检查失败项。",
    "act_debate_again": "在扩充后的资料库上重新辩论“{question}”。",
    "owner_analyst": "一位分析师",
    "owner_advisor": "{advisor}（{role}）",
    "path_title_option": "按“{option}”推进",
    "path_premise_option": "如果你把现状视为“{option}”并据此行动，倾向这一方向的材料标出了这条路。",
    "path_title_reframe": "重新界定问题",
    "path_premise_reframe": "如果你像前提回合所主张的那样，认为问题本身的提法有误，重新界定"
    "问题的材料标出了这条路。",
    "milestone_quote": "留意：“{quote}”",
    "milestone_forecast": "预测到期（{percent}%）：“{quote}”",
    "milestone_recommendation": "来源建议：“{quote}”",
    "story_shift": "第 {first} 回合中，表明立场的发言在“{a}”与“{b}”之间为 {a_first} 比 "
    "{b_first}；到第 {last} 回合为 {a_last} 比 {b_last}。",
    "story_common": "最多顾问引用的材料（{count} 位：{advisors}）：“{quote}”",
    "story_better": "最后一回合以来源原文讲出的更好的故事：“{quote}”",
    "story_contrarian": "反方找到而其他人未使用的证据：“{quote}”",
    "risk_objection": "如果以下说法成立，结论可能是错的：“{quote}”",
    "risk_objection_close": "如果以下说法成立，倾向于“{option}”就是错的：“{quote}”",
    "risk_caveat": "一个被引用的来源提醒：“{quote}”",
    "risk_unchecked": "核查员核查的 {checked} 条论断中，有 {count} 条仅部分得到或没有得到"
    "所引材料的支持。",
    "risk_low_confidence": "{advisor} 对结论的信心只有 {percent}%。",
    "risk_heuristic": "每段材料的倾向由启发式方法（选项提及和嵌入相似度）判断，而非由人阅读；"
    "误读一段材料就会改变权衡。",
    "risk_stance_model_choice": "每段材料的倾向由 Agora 的小型立场模型判断，它以辩论论点和事实核查"
    "数据训练；像本题这样的“A 还是 B”问题被拆成两个是非题来读：在未见过的辩题论点上，视措辞不同，"
    "约四分之三到五分之四的判断正确（见 docs/benchmarks.md 的 Reader model 一节）；但在 Agora "
    "演示资料库这类人工标注的商业材料上，只有 {business_right}% 的判断正确（抛硬币也有一半；见 "
    "docs/benchmarks.md 的 Stance on business passages 一节）：不要单凭各方倾向的材料数量下结论，"
    "请阅读结论所依据的引文。",
    "risk_stance_model": "每段材料的倾向由 Agora 的小型立场模型判断，它以辩论论点和事实核查数据"
    "训练：在未见过的辩题论点上，约五分之四的判断正确（见 docs/benchmarks.md 的 Reader model "
    "一节）；但在 Agora 演示资料库这类人工标注的商业材料上，只有 {business_right}% 的判断正确"
    "（抛硬币也有一半；见 docs/benchmarks.md 的 Stance on business passages 一节）：不要单凭各方"
    "倾向的材料数量下结论，请阅读结论所依据的引文。",
    "risk_reader": "每段材料的倾向由 Agora 的小型阅读模型判断，它在未见过的论点上的立场判断"
    "只有约一半正确（见 docs/benchmarks.md 的 Reader model 一节）：各方倾向的材料数量只能作粗略"
    "参考，请阅读结论所依据的引文。",
    "risk_thin": "被引用的材料中只有 {sided} 段表明了立场；少数新来源就可能扭转权衡。",
    "closing_extractive": "本报告由 Agora 依据上列来源自动生成；正文由抽取式引擎从这些来源"
    "拼接而成，并非由人或语言模型撰写。本报告不构成专业建议。",
    "closing_llm": "本报告由 Agora 借助语言模型（{model}）依据上列来源自动生成。"
    "本报告不构成专业建议。",
}

CATALOG: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def placeholders(template: str) -> set[str]:
    """The named fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message(lang: str, key: str, **args: object) -> str:
    """The catalog entry `key` in `lang`, formatted with `args`."""
    return CATALOG[lang][key].format(**args)
