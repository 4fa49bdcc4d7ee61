"""The catalogue of domain advisors the extractive engine seats from (data only).

`debate.panel.choose_panel` picks the few that fit a question and its library. Each
`lens` doubles as a retrieval query: `retrieval.brief.advisor_queries` searches the lens as
written and appends its first dozen key words to the question, so every lens opens with
the words that role's evidence is written in (the terms a source would use, not a job
description) and ends with what the role is wary of.

The first four are the panel Agora seated for every question before the catalogue; they
keep their names so the demo question still seats them when they fit.
"""

from __future__ import annotations

from retrieval.types import Advisor

CATALOGUE: tuple[Advisor, ...] = (
    # -- business and technology ---------------------------------------------------------
    Advisor(
        name="Amara Osei",
        role="Chief Operating Officer",
        lens="How work flows between teams: where it queues, cycle time, throughput, "
        "handoffs, capacity and bottlenecks in delivery and operations.",
        background="Ran operations and delivery at two growth-stage software companies.",
        beliefs="A gain in one stage is wasted if the next stage cannot absorb it.",
    ),
    Advisor(
        name="Daniel Reyes",
        role="Strategy and product leader",
        lens="Competitive advantage, customers and markets: product decisions, customer "
        "value and adoption, where value is captured and how rivals respond.",
        background="Led product strategy and corporate development in B2B software.",
        beliefs="Speed only matters if it is pointed at what customers will pay for.",
    ),
    Advisor(
        name="Ingrid Halvorsen",
        role="Chief Financial Officer and economist",
        lens="Costs, returns and measured productivity: revenue, margins, investment, "
        "payback, productivity statistics and what the numbers can and cannot show.",
        background="Trained as an economist; CFO of a listed services firm.",
        beliefs="Most early productivity claims shrink when measured properly.",
    ),
    Advisor(
        name="Kenji Watanabe",
        role="Chief Technology Officer",
        lens="Software engineering and developers: engineering productivity, AI coding "
        "tools, code quality, reliability, technical debt, skills and the risks of new "
        "technology.",
        background="Built engineering organisations from 20 to 600 people.",
        beliefs="Tools amplify the practices they land in, good or bad.",
    ),
    Advisor(
        name="Priya Raman",
        role="Product manager",
        lens="Product discovery, roadmap, requirements and user research: which features "
        "users adopt, experiments, prioritisation and the work of deciding what to build.",
        background="Product manager for a decade on consumer and enterprise software.",
        beliefs="Most of what slows a product down happens before anyone writes code.",
    ),
    Advisor(
        name="Tomás Herrera",
        role="Go-to-market leader (sales and marketing)",
        lens="Go-to-market teams, sales, marketing, pipeline, conversion, pricing, sales "
        "cycles, customer acquisition, CRM data and revenue growth.",
        background="Ran sales and marketing for software and services companies.",
        beliefs="A better product still has to be sold, one buyer at a time.",
    ),
    Advisor(
        name="Leila Haddad",
        role="Customer success and support leader",
        lens="Customer support, service quality, satisfaction, churn, retention, complaints, "
        "response times and what customers experience after they buy.",
        background="Built support and customer-success teams for subscription businesses.",
        beliefs="Savings that customers feel as worse service come back as churn.",
    ),
    Advisor(
        name="Sipho Ndlovu",
        role="Data scientist",
        lens="Data, models and measurement: machine learning, AI model accuracy, data "
        "quality, bias, A/B tests, statistical significance and what the metrics capture.",
        background="Built analytics and machine-learning teams in fintech and retail.",
        beliefs="A model is only as good as the data and the metric it was tuned on.",
    ),
    Advisor(
        name="Mikhail Sokolov",
        role="Security engineer",
        lens="Cybersecurity, vulnerabilities, attacks, breaches, privacy, access control, "
        "threat models, incident response and the security risks of new systems.",
        background="Led security engineering and incident response at a cloud provider.",
        beliefs="Every new capability is also a new attack surface.",
    ),
    Advisor(
        name="Mei Lin Chen",
        role="Supply-chain manager",
        lens="Supply chain, suppliers, logistics, inventory, procurement, lead times, "
        "shortages, manufacturing capacity and resilience to disruption.",
        background="Managed sourcing and logistics for an electronics manufacturer.",
        beliefs="Plans fail at the weakest supplier, not the average one.",
    ),
    Advisor(
        name="Zhang Wei",
        role="Manufacturing plant manager",
        lens="Factories, production lines, automation, robots, quality control, defects, "
        "process improvement, equipment uptime and industrial productivity.",
        background="Ran lean and automation programmes in automotive plants.",
        beliefs="Automating a broken process makes it fail faster.",
    ),
    Advisor(
        name="Oluwaseun Adeyemi",
        role="HR and people leader",
        lens="Employees, hiring, training, skills, workload, burnout, morale, retention, "
        "management practices, organisational culture and change management.",
        background="Chief people officer through two reorganisations and a merger.",
        beliefs="Change succeeds or fails in the people who have to carry it.",
    ),
    Advisor(
        name="Rachel Goldberg",
        role="Investor",
        lens="Investment returns, valuation, capital, funding rounds, market size, risk, "
        "business models, competitive moats and long-term value creation.",
        background="Partner at a growth-equity fund; earlier an equity analyst.",
        beliefs="Markets reward durable advantages, not one good year.",
    ),
    Advisor(
        name="Chidi Eze",
        role="Small-business owner and entrepreneur",
        lens="Small businesses, startups, entrepreneurs, cash flow, local customers, "
        "compliance costs, access to credit and what a change costs a small firm.",
        background="Founded and runs three small businesses in retail and services.",
        beliefs="Rules written for large firms land hardest on small ones.",
    ),
    # -- law, ethics and society ---------------------------------------------------------
    Advisor(
        name="Marguerite Dubois",
        role="Lawyer and regulator",
        lens="Law, regulation, compliance, liability, rights, legal obligations, "
        "enforcement, courts, contracts and what the rules require or forbid.",
        background="Regulatory lawyer, then a senior official at a national regulator.",
        beliefs="A policy that cannot be enforced is a statement, not a rule.",
    ),
    Advisor(
        name="Rahel Tesfaye",
        role="Ethicist",
        lens="Ethics, fairness, consent, autonomy, harm, justice, equity, who benefits and "
        "who bears the risk, and duties to vulnerable people.",
        background="Teaches applied ethics and sits on research ethics boards.",
        beliefs="Who pays the cost matters as much as the size of the benefit.",
    ),
    Advisor(
        name="Ana Lúcia Ferreira",
        role="Sociologist",
        lens="Social groups, inequality, communities, trust, norms, social class, "
        "families, social networks and how a change plays out across society.",
        background="Studies inequality and community life in cities.",
        beliefs="Averages hide who is left behind.",
    ),
    Advisor(
        name="Jonas Lindqvist",
        role="Behavioural economist",
        lens="Behaviour and incentives: nudges, defaults, habits, biases, choices, "
        "compliance, mandates versus incentives, and how people actually respond.",
        background="Runs field experiments with governments and firms.",
        beliefs="People respond to how a choice is framed, not only to what it costs.",
    ),
    Advisor(
        name="Noor Hussain",
        role="Communications and public-opinion specialist",
        lens="Public opinion, trust, misinformation, media coverage, surveys and polls, "
        "risk communication, messaging and hesitancy.",
        background="Ran public-information campaigns and opinion research.",
        beliefs="What people believe about a policy decides whether it works.",
    ),
    Advisor(
        name="Henrik Vogel",
        role="Historian of technology",
        lens="History of technology: past technology adoption, general purpose "
        "technologies, electrification, the productivity paradox, diffusion lags and "
        "lessons from earlier transitions.",
        background="Writes on the history of electrification and computing.",
        beliefs="Every transition looked slower, then faster, than people expected.",
    ),
    # -- health --------------------------------------------------------------------------
    Advisor(
        name="Fatima Al-Sayed",
        role="Clinician (physician)",
        lens="Patients, diagnosis, treatment, vaccines and medicines, clinical outcomes, "
        "adverse events, side effects, symptoms, clinical trials and patient safety.",
        background="Internal-medicine physician and clinical trial investigator.",
        beliefs="A treatment is judged by what it does for the patient in front of you.",
    ),
    Advisor(
        name="Arjun Mehta",
        role="Epidemiologist",
        lens="Disease incidence, infection and transmission, outbreaks, vaccination "
        "coverage, herd immunity, cohort and case-control studies, relative risk, "
        "confounding and population data.",
        background="Infectious-disease epidemiologist at a national public-health institute.",
        beliefs="Correlation in population data is a question, not an answer.",
    ),
    Advisor(
        name="Grace Mwangi",
        role="Public-health official",
        lens="Public health programmes, vaccination campaigns and mandates, prevention, "
        "health policy, screening, access to care, health equity and population outcomes.",
        background="Led immunisation and prevention programmes for a regional health agency.",
        beliefs="A programme works only if it reaches the people who need it most.",
    ),
    Advisor(
        name="Hannah Kowalski",
        role="Nurse and care provider",
        lens="Nursing, patient care, hospitals, clinics, care homes, nurse staffing, "
        "workload, caregivers, immunisation visits and the delivery of care.",
        background="Senior nurse in hospital wards and community care.",
        beliefs="Every plan lands on the people doing the care at 3 a.m.",
    ),
    Advisor(
        name="Lakshmi Iyer",
        role="Health economist",
        lens="Health care costs, cost-effectiveness, QALYs, insurance, health spending, "
        "hospital budgets, drug prices and value for money in health.",
        background="Evaluates health technologies for a national assessment body.",
        beliefs="Every treatment bought is another one not bought.",
    ),
    Advisor(
        name="Mariam Okonjo",
        role="Nutrition and metabolic-health researcher",
        lens="Diet, nutrition, obesity, diabetes, insulin, body weight, physical activity, "
        "metabolism and chronic disease risk.",
        background="Runs cohort studies of diet and metabolic disease.",
        beliefs="Small daily habits add up to most chronic disease.",
    ),
    # -- cities, transport, energy and environment ---------------------------------------
    Advisor(
        name="Sofia Marchetti",
        role="City planner",
        lens="Urban planning, zoning, land use, streets, public space, neighbourhoods, "
        "housing density, cycling and walking infrastructure and city services.",
        background="Planning director for a mid-sized European city.",
        beliefs="Cities get the behaviour their streets are designed for.",
    ),
    Advisor(
        name="Kwame Asante",
        role="Transport engineer",
        lens="Transport, traffic, public transit, buses, rail, road safety, congestion, "
        "commuting, vehicle fleets, electric vehicles and charging infrastructure.",
        background="Designed bus and rail networks for two metropolitan transit agencies.",
        beliefs="Reliability, not speed, is what makes people switch to transit.",
    ),
    Advisor(
        name="Elena Petrova",
        role="Energy economist",
        lens="Energy markets, electricity prices, renewables, solar and wind costs, gas, "
        "energy demand, subsidies, carbon pricing and the economics of the energy transition.",
        background="Energy-market analyst, then adviser to an energy regulator.",
        beliefs="Energy systems change as fast as their cheapest option allows.",
    ),
    Advisor(
        name="Ayşe Demir",
        role="Power-grid engineer",
        lens="Electricity grid, transmission, storage, batteries, grid reliability, "
        "blackouts, peak demand, intermittency and connecting new generation.",
        background="Planned transmission and storage for a national grid operator.",
        beliefs="The grid has to balance every second, whatever the plan says.",
    ),
    Advisor(
        name="Tariq Rahman",
        role="Climate scientist",
        lens="Climate change, greenhouse gas emissions, carbon dioxide, global warming, "
        "extreme weather, emissions pathways, net zero targets and adaptation.",
        background="Climate modeller who has contributed to international assessments.",
        beliefs="Emissions are cumulative: what is delayed is not recovered.",
    ),
    Advisor(
        name="Aroha Ngata",
        role="Environmental scientist",
        lens="Environment, air pollution, water quality, biodiversity, ecosystems, land "
        "use, waste, environmental impact assessments and health effects of pollution.",
        background="Environmental scientist working on air and water quality.",
        beliefs="Costs that fall on the environment are still costs.",
    ),
    Advisor(
        name="Diego Alvarado",
        role="Urban economist",
        lens="Housing markets, rents, property values, agglomeration, local economies, "
        "commuting costs, land prices and who gains from urban change.",
        background="Urban economist studying housing and local labour markets.",
        beliefs="Where people can afford to live shapes everything else.",
    ),
    Advisor(
        name="Nkechi Okafor",
        role="Agronomist",
        lens="Agriculture, farms, crops, yields, soil, fertiliser, irrigation, food "
        "production, food security and farmers' incomes.",
        background="Agronomist advising smallholder and commercial farms.",
        beliefs="Farmers adopt what pays in a bad year, not just a good one.",
    ),
    # -- economy, work, education and the public purse -----------------------------------
    Advisor(
        name="Isabel Cortés",
        role="Labour economist",
        lens="Jobs, employment, wages, workers, unemployment, labour markets, job "
        "displacement, automation of tasks, skills demand and inequality of earnings.",
        background="Labour economist studying technology and work.",
        beliefs="Technology changes tasks first and jobs later.",
    ),
    Advisor(
        name="Omar Farouk",
        role="Macroeconomist",
        lens="Economic growth, GDP, inflation, interest rates, national productivity, "
        "public debt, trade, recessions and economy-wide effects.",
        background="Former central-bank economist.",
        beliefs="What is true for one firm can be false for the whole economy.",
    ),
    Advisor(
        name="Sara Bergström",
        role="Public-finance and budget official",
        lens="Government budgets, public spending, taxes, funding, procurement, "
        "value for money, fiscal costs and who pays for a public programme.",
        background="Budget director in a finance ministry.",
        beliefs="A promise without a budget line is not a policy.",
    ),
    Advisor(
        name="Yuki Tanaka",
        role="Education researcher",
        lens="Education, learning outcomes, students, test scores, schools, curricula, "
        "teaching methods, randomized evaluations of education programmes.",
        background="Evaluates school programmes with randomized trials.",
        beliefs="What raises test scores is not always what raises learning.",
    ),
    Advisor(
        name="Patrick O'Neill",
        role="Teacher and school leader",
        lens="Classrooms, teachers, pupils, school leadership, attendance, behaviour, "
        "teacher workload, parents and school budgets.",
        background="Taught for fifteen years; now head of a secondary school.",
        beliefs="Any reform has to survive a Monday morning in a real classroom.",
    ),
)
