// The fake Rust side of the Profile, Inbox and Settings screens: the catalog, interests and the
// Topics taxonomy, offer preferences, the inbox and suggestions, the settings, the passphrase,
// exports and imports with `progress` events. Loaded by run.mjs before fake-backend.js, which
// calls the function pushed here with its helpers and merges the handlers it returns.
//
// The catalog (names, kinds, modes, sensitivity, descriptions, examples) and the validation
// messages mirror crates/core/src/catalog.rs and src-tauri/src/dto.rs; the vocabularies mirror
// crates/protocol/src/lib.rs. Errors reject as the commands do: { code, message, field }.
'use strict';

(window.__FAKE_BUTLER_PLUGINS__ ??= []).push(({ state, fail, requireUnlocked, emit, sleep }) => {
  // ---- dates, in the owner's local time ----
  const pad = (n) => String(n).padStart(2, '0');
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const dayFromToday = (days) => {
    const now = new Date();
    return isoDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days));
  };
  const today = () => dayFromToday(0);
  const hoursAgo = (h) => new Date(Date.now() - h * 3600_000).toISOString();
  const nextLocal = (hour) => {
    const d = new Date();
    d.setHours(hour, 0, 0, 0);
    if (d.getTime() <= Date.now()) d.setDate(d.getDate() + 1);
    return d.toISOString();
  };

  /** A refused value, as set_field and friends send it. */
  function invalid(field, message) {
    throw { code: 'invalid_value', message, field };
  }

  // ---- the Topics taxonomy (v2; Copyright 2022 Google LLC, Apache-2.0) ----
  const TOPICS_TSV = `1	/Arts & Entertainment
350	/Arts & Entertainment/Celebrities & Entertainment News
351	/Arts & Entertainment/Comics & Animation
352	/Arts & Entertainment/Events & Listings
353	/Arts & Entertainment/Events & Listings/Bars, Clubs & Nightlife
4	/Arts & Entertainment/Events & Listings/Concerts & Music Festivals
354	/Arts & Entertainment/Events & Listings/Event Ticket Sales
355	/Arts & Entertainment/Events & Listings/Expos & Conventions
356	/Arts & Entertainment/Events & Listings/Film Festivals
357	/Arts & Entertainment/Events & Listings/Food & Beverage Events
9	/Arts & Entertainment/Events & Listings/Live Sporting Events
12	/Arts & Entertainment/Movies
13	/Arts & Entertainment/Movies/Action & Adventure Films
15	/Arts & Entertainment/Movies/Comedy Films
18	/Arts & Entertainment/Movies/Drama Films
19	/Arts & Entertainment/Movies/Family Films
20	/Arts & Entertainment/Movies/Horror Films
21	/Arts & Entertainment/Movies/Romance Films
358	/Arts & Entertainment/Movies/Science Fiction & Fantasy Films
23	/Arts & Entertainment/Music & Audio
24	/Arts & Entertainment/Music & Audio/Blues
25	/Arts & Entertainment/Music & Audio/Classical Music
26	/Arts & Entertainment/Music & Audio/Country Music
27	/Arts & Entertainment/Music & Audio/Dance & Electronic Music
359	/Arts & Entertainment/Music & Audio/DJ Resources & Equipment
28	/Arts & Entertainment/Music & Audio/Folk & Traditional Music
29	/Arts & Entertainment/Music & Audio/Jazz
30	/Arts & Entertainment/Music & Audio/Musical Instruments
31	/Arts & Entertainment/Music & Audio/Pop Music
32	/Arts & Entertainment/Music & Audio/Rap & Hip-Hop
33	/Arts & Entertainment/Music & Audio/Rock Music
36	/Arts & Entertainment/Music & Audio/Rock Music/Indie & Alternative Music
360	/Arts & Entertainment/Music & Audio/Rock Music/Metal (Music)
361	/Arts & Entertainment/Performing Arts
362	/Arts & Entertainment/Performing Arts/Broadway & Musical Theater
363	/Arts & Entertainment/TV & Video
364	/Arts & Entertainment/TV & Video/Live Video Streaming
365	/Arts & Entertainment/TV & Video/Movie & TV Streaming
46	/Arts & Entertainment/TV & Video/TV Comedies
47	/Arts & Entertainment/TV & Video/TV Documentary & Nonfiction
48	/Arts & Entertainment/TV & Video/TV Dramas
50	/Arts & Entertainment/TV & Video/TV Family-Oriented Shows
366	/Arts & Entertainment/TV & Video/TV Game Shows
51	/Arts & Entertainment/TV & Video/TV Reality Shows
52	/Arts & Entertainment/TV & Video/TV Sci-Fi & Fantasy Shows
367	/Arts & Entertainment/TV & Video/TV Talk Shows
53	/Arts & Entertainment/Visual Art & Design
368	/Arts & Entertainment/Visual Art & Design/Architecture
56	/Arts & Entertainment/Visual Art & Design/Photographic & Digital Arts
57	/Autos & Vehicles
369	/Autos & Vehicles/Bicycles & Accessories
370	/Autos & Vehicles/Boats & Watercraft
371	/Autos & Vehicles/Campers & RVs
59	/Autos & Vehicles/Classic Vehicles
372	/Autos & Vehicles/Commercial Vehicles
60	/Autos & Vehicles/Custom & Performance Vehicles
62	/Autos & Vehicles/Motor Vehicles (By Type)
63	/Autos & Vehicles/Motor Vehicles (By Type)/Autonomous Vehicles
373	/Autos & Vehicles/Motor Vehicles (By Type)/Compact Cars
64	/Autos & Vehicles/Motor Vehicles (By Type)/Convertibles
65	/Autos & Vehicles/Motor Vehicles (By Type)/Coupes
374	/Autos & Vehicles/Motor Vehicles (By Type)/Diesel Vehicles
66	/Autos & Vehicles/Motor Vehicles (By Type)/Hatchbacks
67	/Autos & Vehicles/Motor Vehicles (By Type)/Hybrid & Alternative Vehicles
375	/Autos & Vehicles/Motor Vehicles (By Type)/Hybrid & Alternative Vehicles/Electric & Plug-In Vehicles
68	/Autos & Vehicles/Motor Vehicles (By Type)/Luxury Vehicles
69	/Autos & Vehicles/Motor Vehicles (By Type)/Microcars & Subcompacts
70	/Autos & Vehicles/Motor Vehicles (By Type)/Motorcycles
71	/Autos & Vehicles/Motor Vehicles (By Type)/Off-Road Vehicles
73	/Autos & Vehicles/Motor Vehicles (By Type)/Scooters & Mopeds
74	/Autos & Vehicles/Motor Vehicles (By Type)/Sedans
376	/Autos & Vehicles/Motor Vehicles (By Type)/Sports Cars
75	/Autos & Vehicles/Motor Vehicles (By Type)/Station Wagons
377	/Autos & Vehicles/Motor Vehicles (By Type)/Trucks, Vans & SUVs
72	/Autos & Vehicles/Motor Vehicles (By Type)/Trucks, Vans & SUVs/Pickup Trucks
76	/Autos & Vehicles/Motor Vehicles (By Type)/Trucks, Vans & SUVs/SUVs & Crossovers
78	/Autos & Vehicles/Motor Vehicles (By Type)/Trucks, Vans & SUVs/Vans & Minivans
81	/Autos & Vehicles/Vehicle Parts & Accessories
378	/Autos & Vehicles/Vehicle Parts & Accessories/High Performance & Aftermarket Auto Parts
379	/Autos & Vehicles/Vehicle Parts & Accessories/Vehicle Wheels & Tires
82	/Autos & Vehicles/Vehicle Repair & Maintenance
83	/Autos & Vehicles/Vehicle Shopping
84	/Autos & Vehicles/Vehicle Shopping/Used Vehicles
86	/Beauty & Fitness
380	/Beauty & Fitness/Beauty Services & Spas
381	/Beauty & Fitness/Beauty Services & Spas/Manicures & Pedicures
382	/Beauty & Fitness/Cosmetology & Beauty Professionals
88	/Beauty & Fitness/Face & Body Care
91	/Beauty & Fitness/Face & Body Care/Clean Beauty
383	/Beauty & Fitness/Face & Body Care/Hygiene & Toiletries
89	/Beauty & Fitness/Face & Body Care/Hygiene & Toiletries/Antiperspirants, Deodorants & Body Sprays
384	/Beauty & Fitness/Face & Body Care/Hygiene & Toiletries/Feminine Hygiene Products
92	/Beauty & Fitness/Face & Body Care/Make-Up & Cosmetics
94	/Beauty & Fitness/Face & Body Care/Perfumes & Fragrances
385	/Beauty & Fitness/Face & Body Care/Skin & Nail Care
90	/Beauty & Fitness/Face & Body Care/Skin & Nail Care/Bath & Body Products
386	/Beauty & Fitness/Face & Body Care/Skin & Nail Care/Face Care Products
93	/Beauty & Fitness/Face & Body Care/Skin & Nail Care/Nail Care Products
387	/Beauty & Fitness/Face & Body Care/Sun Care & Tanning Products
388	/Beauty & Fitness/Face & Body Care/Unwanted Body & Facial Hair Removal
95	/Beauty & Fitness/Face & Body Care/Unwanted Body & Facial Hair Removal/Razors & Shavers
96	/Beauty & Fitness/Fashion & Style
97	/Beauty & Fitness/Fitness
389	/Beauty & Fitness/Fitness/Fitness Equipment & Accessories
390	/Beauty & Fitness/Fitness/Fitness Equipment & Accessories/Fitness Technology Products
391	/Beauty & Fitness/Fitness/Fitness Instruction & Personal Training
392	/Beauty & Fitness/Fitness/Gyms & Health Clubs
393	/Beauty & Fitness/Fitness/High Intensity Interval Training
394	/Beauty & Fitness/Fitness/Yoga & Pilates
99	/Beauty & Fitness/Hair Care
395	/Beauty & Fitness/Hair Care/Shampoos & Conditioners
100	/Books & Literature
396	/Books & Literature/Audiobooks
397	/Books & Literature/Book Retailers
101	/Books & Literature/Children's Literature
398	/Books & Literature/Fan Fiction
399	/Books & Literature/Literary Classics
400	/Books & Literature/Magazines
102	/Books & Literature/Poetry
401	/Books & Literature/Writers Resources
103	/Business & Industrial
104	/Business & Industrial/Advertising & Marketing
402	/Business & Industrial/Building Materials & Supplies
403	/Business & Industrial/Business Finance
113	/Business & Industrial/Business Finance/Commercial Lending
404	/Business & Industrial/Business Services
405	/Business & Industrial/Business Services/Corporate Events
406	/Business & Industrial/Business Services/Fire & Security Services
407	/Business & Industrial/Business Services/Merchant Services & Payment Systems
408	/Business & Industrial/Business Services/Office Supplies
409	/Business & Industrial/Business Services/Office Supplies/Office Furniture
410	/Business & Industrial/Business Services/Signage
411	/Business & Industrial/Construction Consulting & Contracting
412	/Business & Industrial/Document & Printing Services
413	/Business & Industrial/Event Planning
414	/Business & Industrial/Food Service
415	/Business & Industrial/Industrial Materials & Equipment
416	/Business & Industrial/Industrial Materials & Equipment/Work Safety Protective Gear
417	/Business & Industrial/Moving & Relocation
418	/Business & Industrial/Payroll Services
419	/Business & Industrial/Recruitment & Staffing
126	/Computers & Electronics
420	/Computers & Electronics/Computer Hardware
421	/Computers & Electronics/Computer Hardware/Computer Components
422	/Computers & Electronics/Computer Hardware/Computer Drives & Storage
128	/Computers & Electronics/Computer Hardware/Computer Peripherals
134	/Computers & Electronics/Computer Hardware/Desktop Computers
135	/Computers & Electronics/Computer Hardware/Laptops & Notebooks
423	/Computers & Electronics/Computer Security
129	/Computers & Electronics/Consumer Electronics
424	/Computers & Electronics/Consumer Electronics/Audio Equipment
425	/Computers & Electronics/Consumer Electronics/Audio Equipment/Headphones
426	/Computers & Electronics/Consumer Electronics/Audio Equipment/Speakers
427	/Computers & Electronics/Consumer Electronics/Audio Equipment/Stereo Systems & Components
428	/Computers & Electronics/Consumer Electronics/Camera & Photo Equipment
429	/Computers & Electronics/Consumer Electronics/Car Audio
430	/Computers & Electronics/Consumer Electronics/Gadgets & Portable Electronics
431	/Computers & Electronics/Consumer Electronics/Game Systems & Consoles
432	/Computers & Electronics/Consumer Electronics/Game Systems & Consoles/Handheld Game Consoles
131	/Computers & Electronics/Consumer Electronics/Home Automation
132	/Computers & Electronics/Consumer Electronics/Home Theater Systems
433	/Computers & Electronics/Consumer Electronics/Televisions
434	/Computers & Electronics/Electronics & Electrical
435	/Computers & Electronics/Electronics & Electrical/Power Supplies
436	/Computers & Electronics/Enterprise Technology
137	/Computers & Electronics/Networking
437	/Computers & Electronics/Networking/Network Monitoring & Management
438	/Computers & Electronics/Networking/Networking Equipment
140	/Computers & Electronics/Software
439	/Computers & Electronics/Software/Business & Productivity Software
440	/Computers & Electronics/Software/Business & Productivity Software/Accounting & Financial Software
441	/Computers & Electronics/Software/Business & Productivity Software/Collaboration & Conferencing Software
442	/Computers & Electronics/Software/Multimedia Software
141	/Computers & Electronics/Software/Multimedia Software/Audio & Music Software
144	/Computers & Electronics/Software/Multimedia Software/Graphics & Animation Software
443	/Computers & Electronics/Software/Multimedia Software/Photo & Video Software
149	/Finance
150	/Finance/Accounting & Auditing
151	/Finance/Accounting & Auditing/Tax Preparation & Planning
444	/Finance/Banking
445	/Finance/Banking/Debit & Checking Services
446	/Finance/Banking/Savings Accounts
447	/Finance/Credit & Lending
448	/Finance/Credit & Lending/Auto Financing
152	/Finance/Credit & Lending/Credit Cards
449	/Finance/Credit & Lending/Credit Reporting & Monitoring
157	/Finance/Credit & Lending/Home Financing
170	/Finance/Credit & Lending/Personal Loans
171	/Finance/Credit & Lending/Student Loans & College Financing
153	/Finance/Financial Planning & Management
154	/Finance/Financial Planning & Management/Retirement & Pension
158	/Finance/Insurance
159	/Finance/Insurance/Auto Insurance
160	/Finance/Insurance/Health Insurance
161	/Finance/Insurance/Home Insurance
162	/Finance/Insurance/Life Insurance
163	/Finance/Insurance/Travel Insurance
164	/Finance/Investing
172	/Food & Drink
173	/Food & Drink/Cooking & Recipes
176	/Food & Drink/Cooking & Recipes/Vegetarian Cuisine
177	/Food & Drink/Cooking & Recipes/Vegetarian Cuisine/Vegan Cuisine
450	/Food & Drink/Food
451	/Food & Drink/Food/Baked Goods
452	/Food & Drink/Food/Breakfast Foods
453	/Food & Drink/Food/Candy & Sweets
454	/Food & Drink/Food/Condiments & Dressings
455	/Food & Drink/Food/Dairy & Eggs
456	/Food & Drink/Food/Gourmet & Specialty Foods
457	/Food & Drink/Food/Meat & Seafood
458	/Food & Drink/Food/Meat & Seafood/Fish & Seafood
459	/Food & Drink/Food/Organic & Natural Foods
460	/Food & Drink/Grocery Delivery Services
461	/Food & Drink/Restaurant Delivery Services
462	/Food & Drink/Restaurants
463	/Food & Drink/Restaurants/Fast Food
464	/Food & Drink/Restaurants/Pizzerias
180	/Games
465	/Games/Board Games
183	/Games/Computer & Video Games
184	/Games/Computer & Video Games/Action & Platform Games
185	/Games/Computer & Video Games/Adventure Games
186	/Games/Computer & Video Games/Casual Games
187	/Games/Computer & Video Games/Competitive Video Gaming
466	/Games/Computer & Video Games/Driving & Racing Games
467	/Games/Computer & Video Games/Shooter Games
191	/Games/Computer & Video Games/Sports Games
192	/Games/Computer & Video Games/Strategy Games
468	/Games/Family-Oriented Games & Activities
194	/Games/Roleplaying Games
196	/Hobbies & Leisure
469	/Hobbies & Leisure/Art & Craft Supplies
470	/Hobbies & Leisure/Boating
471	/Hobbies & Leisure/Holidays & Seasonal Events
201	/Hobbies & Leisure/Outdoors
202	/Hobbies & Leisure/Outdoors/Fishing
472	/Hobbies & Leisure/Outdoors/Hiking & Camping
207	/Home & Garden
473	/Home & Garden/Bed & Bath
474	/Home & Garden/Bed & Bath/Bathroom
475	/Home & Garden/Bed & Bath/Bedroom
476	/Home & Garden/Bed & Bath/Bedroom/Bedding & Bed Linens
477	/Home & Garden/Bed & Bath/Bedroom/Beds & Headboards
478	/Home & Garden/Bed & Bath/Bedroom/Mattresses
479	/Home & Garden/Cleaning Services
209	/Home & Garden/Home & Interior Decor
210	/Home & Garden/Home Appliances
480	/Home & Garden/Home Appliances/Vacuums & Floor Care
481	/Home & Garden/Home Appliances/Water Filters & Purifiers
482	/Home & Garden/Home Furnishings
483	/Home & Garden/Home Furnishings/Countertops
484	/Home & Garden/Home Furnishings/Curtains & Window Treatments
485	/Home & Garden/Home Furnishings/Kitchen & Dining Furniture
486	/Home & Garden/Home Furnishings/Lamps & Lighting
487	/Home & Garden/Home Furnishings/Living Room Furniture
488	/Home & Garden/Home Furnishings/Living Room Furniture/Sofas & Armchairs
489	/Home & Garden/Home Furnishings/Outdoor Furniture
490	/Home & Garden/Home Furnishings/Rugs & Carpets
211	/Home & Garden/Home Improvement
491	/Home & Garden/Home Improvement/Construction & Power Tools
492	/Home & Garden/Home Improvement/Doors & Windows
493	/Home & Garden/Home Improvement/Flooring
494	/Home & Garden/Home Improvement/House Painting & Finishing
495	/Home & Garden/Home Improvement/Locks & Locksmiths
496	/Home & Garden/Home Improvement/Plumbing
497	/Home & Garden/Home Improvement/Roofing
212	/Home & Garden/Home Safety & Security
498	/Home & Garden/Home Storage & Shelving
499	/Home & Garden/Home Storage & Shelving/Cabinetry
500	/Home & Garden/Home Swimming Pools, Saunas & Spas
213	/Home & Garden/Household Supplies
501	/Home & Garden/Household Supplies/Household Batteries
502	/Home & Garden/Household Supplies/Household Cleaning Supplies
503	/Home & Garden/HVAC & Climate Control
504	/Home & Garden/HVAC & Climate Control/Air Conditioners
505	/Home & Garden/HVAC & Climate Control/Fireplaces & Stoves
506	/Home & Garden/HVAC & Climate Control/Household Fans
507	/Home & Garden/Kitchen & Dining
508	/Home & Garden/Kitchen & Dining/Cookware & Diningware
509	/Home & Garden/Kitchen & Dining/Cookware & Diningware/Cookware
510	/Home & Garden/Kitchen & Dining/Cookware & Diningware/Diningware
511	/Home & Garden/Kitchen & Dining/Dishwashers
512	/Home & Garden/Kitchen & Dining/Microwaves
513	/Home & Garden/Kitchen & Dining/Ranges, Cooktops & Ovens
514	/Home & Garden/Kitchen & Dining/Refrigerators & Freezers
515	/Home & Garden/Kitchen & Dining/Small Kitchen Appliances
516	/Home & Garden/Kitchen & Dining/Small Kitchen Appliances/Blenders & Juicers
517	/Home & Garden/Kitchen & Dining/Small Kitchen Appliances/Coffee & Espresso Makers
518	/Home & Garden/Kitchen & Dining/Small Kitchen Appliances/Food Mixers
519	/Home & Garden/Patio, Lawn & Garden
520	/Home & Garden/Patio, Lawn & Garden/Barbecues & Grills
208	/Home & Garden/Patio, Lawn & Garden/Gardening
214	/Home & Garden/Patio, Lawn & Garden/Landscape Design
521	/Home & Garden/Patio, Lawn & Garden/Yard Maintenance
522	/Home & Garden/Patio, Lawn & Garden/Yard Maintenance/Lawn Mowers
523	/Home & Garden/Pest Control
524	/Home & Garden/Washers & Dryers
215	/Internet & Telecom
525	/Internet & Telecom/Communications Equipment
526	/Internet & Telecom/Communications Equipment/Radio Equipment
527	/Internet & Telecom/Mobile & Wireless Accessories
528	/Internet & Telecom/Mobile Phones
529	/Internet & Telecom/Mobile Phones/Mobile Phone Repair & Services
530	/Internet & Telecom/Service Providers
531	/Internet & Telecom/Service Providers/Cable & Satellite Providers
217	/Internet & Telecom/Service Providers/ISPs
218	/Internet & Telecom/Service Providers/Phone Service Providers
532	/Internet & Telecom/Voice & Video Chat
533	/Internet & Telecom/Web Services
534	/Internet & Telecom/Web Services/Cloud Storage
535	/Internet & Telecom/Web Services/Search Engine Optimization & Marketing
224	/Internet & Telecom/Web Services/Web Design & Development
536	/Internet & Telecom/Web Services/Web Hosting & Domain Registration
226	/Jobs & Education
227	/Jobs & Education/Education
537	/Jobs & Education/Education/Business Education
229	/Jobs & Education/Education/Colleges & Universities
538	/Jobs & Education/Education/Computer Education
230	/Jobs & Education/Education/Distance Learning
231	/Jobs & Education/Education/Early Childhood Education
277	/Jobs & Education/Education/Foreign Language Study
539	/Jobs & Education/Education/Health Education & Medical Training
233	/Jobs & Education/Education/Homeschooling
540	/Jobs & Education/Education/Legal Education
541	/Jobs & Education/Education/Open Online Courses
542	/Jobs & Education/Education/Primary & Secondary Schooling (K-12)
543	/Jobs & Education/Education/Private Tutoring Services
544	/Jobs & Education/Education/School Supplies & Classroom Equipment
234	/Jobs & Education/Education/Standardized & Admissions Tests
545	/Jobs & Education/Education/Study Abroad
546	/Jobs & Education/Education/Visual Arts & Design Education
547	/Jobs & Education/Internships
236	/Jobs & Education/Jobs
237	/Jobs & Education/Jobs/Career Resources & Planning
238	/Jobs & Education/Jobs/Job Listings
548	/Jobs & Education/Jobs/Job Listings/Accounting & Finance Jobs
549	/Jobs & Education/Jobs/Job Listings/Clerical & Administrative Jobs
550	/Jobs & Education/Jobs/Job Listings/Education Jobs
551	/Jobs & Education/Jobs/Job Listings/Executive & Management Jobs
552	/Jobs & Education/Jobs/Job Listings/Government & Public Sector Jobs
553	/Jobs & Education/Jobs/Job Listings/Health & Medical Jobs
554	/Jobs & Education/Jobs/Job Listings/IT & Technical Jobs
555	/Jobs & Education/Jobs/Job Listings/Legal Jobs
556	/Jobs & Education/Jobs/Job Listings/Retail Jobs
557	/Jobs & Education/Jobs/Job Listings/Sales & Marketing Jobs
558	/Jobs & Education/Jobs/Job Listings/Temporary & Seasonal Jobs
559	/Jobs & Education/Jobs/Resumes & Portfolios
239	/Law & Government
560	/Law & Government/Labor & Employment Law
242	/Law & Government/Legal Services
243	/News
561	/News/Business News
245	/News/Local News
247	/News/Politics
249	/News/World News
250	/Online Communities
253	/Online Communities/Social Networks
254	/People & Society
562	/People & Society/Charity & Philanthropy
258	/People & Society/Parenting
259	/People & Society/Parenting/Adoption
260	/People & Society/Parenting/Babies & Toddlers
563	/People & Society/Parenting/Child Care
263	/Pets & Animals
264	/Pets & Animals/Pet Food & Pet Care Supplies
265	/Pets & Animals/Pets
267	/Pets & Animals/Pets/Cats
268	/Pets & Animals/Pets/Dogs
272	/Real Estate
564	/Real Estate/Property Development
565	/Real Estate/Real Estate Listings
566	/Real Estate/Real Estate Listings/Commercial Properties
567	/Real Estate/Real Estate Listings/Residential Rentals
568	/Real Estate/Real Estate Listings/Residential Rentals/Furnished Rentals
569	/Real Estate/Real Estate Listings/Residential Sales
570	/Real Estate/Real Estate Services
571	/Real Estate/Real Estate Services/Property Inspections & Appraisals
289	/Shopping
572	/Shopping/Apparel
573	/Shopping/Apparel/Apparel Services
574	/Shopping/Apparel/Athletic Apparel
575	/Shopping/Apparel/Casual Apparel
576	/Shopping/Apparel/Casual Apparel/T-Shirts
291	/Shopping/Apparel/Children's Clothing
577	/Shopping/Apparel/Clothing Accessories
578	/Shopping/Apparel/Clothing Accessories/Gems & Jewelry
579	/Shopping/Apparel/Clothing Accessories/Gems & Jewelry/Rings
580	/Shopping/Apparel/Clothing Accessories/Handbags & Purses
581	/Shopping/Apparel/Clothing Accessories/Socks & Hosiery
582	/Shopping/Apparel/Clothing Accessories/Watches
294	/Shopping/Apparel/Costumes
583	/Shopping/Apparel/Eyewear
584	/Shopping/Apparel/Eyewear/Sunglasses
585	/Shopping/Apparel/Footwear
586	/Shopping/Apparel/Footwear/Athletic Shoes
587	/Shopping/Apparel/Footwear/Boots
588	/Shopping/Apparel/Footwear/Casual Shoes
589	/Shopping/Apparel/Formal Wear
590	/Shopping/Apparel/Headwear
296	/Shopping/Apparel/Men's Clothing
591	/Shopping/Apparel/Outerwear
592	/Shopping/Apparel/Pants & Shorts
593	/Shopping/Apparel/Shirts & Tops
594	/Shopping/Apparel/Sleepwear
595	/Shopping/Apparel/Suits & Business Attire
596	/Shopping/Apparel/Swimwear
597	/Shopping/Apparel/Undergarments
598	/Shopping/Apparel/Uniforms & Workwear
298	/Shopping/Apparel/Women's Clothing
599	/Shopping/Apparel/Women's Clothing/Dresses
600	/Shopping/Apparel/Women's Clothing/Skirts
293	/Shopping/Coupons & Discount Offers
601	/Shopping/Gifts & Special Event Items
295	/Shopping/Gifts & Special Event Items/Flowers
297	/Shopping/Gifts & Special Event Items/Party & Holiday Supplies
602	/Shopping/Luxury Goods
603	/Shopping/Mass Merchants & Department Stores
604	/Shopping/Photo & Video Services
605	/Shopping/Photo & Video Services/Event & Studio Photography
606	/Shopping/Photo & Video Services/Photo Printing Services
607	/Shopping/Product Reviews & Price Comparisons
608	/Shopping/Toys
299	/Sports
300	/Sports/American Football
301	/Sports/Australian Football
303	/Sports/Baseball
304	/Sports/Basketball
609	/Sports/Combat Sports
309	/Sports/Cricket
310	/Sports/Cycling
315	/Sports/Golf
317	/Sports/Hockey
610	/Sports/Motor Sports
321	/Sports/Olympics
322	/Sports/Rugby
323	/Sports/Running & Walking
325	/Sports/Soccer
611	/Sports/Sporting Goods
612	/Sports/Sporting Goods/Baseball & Softball Equipment
613	/Sports/Sporting Goods/Golf Equipment
614	/Sports/Sporting Goods/Hockey Equipment
615	/Sports/Sporting Goods/Skateboarding Equipment
616	/Sports/Sporting Goods/Soccer Equipment
617	/Sports/Sporting Goods/Squash & Racquetball Equipment
618	/Sports/Sporting Goods/Water Sports Equipment
619	/Sports/Sporting Goods/Winter Sports Equipment
328	/Sports/Tennis
620	/Sports/Water Sports
327	/Sports/Water Sports/Swimming
621	/Sports/Winter Sports
324	/Sports/Winter Sports/Skiing & Snowboarding
332	/Travel & Transportation
334	/Travel & Transportation/Air Travel
345	/Travel & Transportation/Beaches & Islands
335	/Travel & Transportation/Business Travel
336	/Travel & Transportation/Car Rentals
337	/Travel & Transportation/Cruises & Charters
338	/Travel & Transportation/Family Travel
340	/Travel & Transportation/Hotels & Accommodations
622	/Travel & Transportation/Hotels & Accommodations/Vacation Rentals & Short-Term Stays
341	/Travel & Transportation/Long Distance Bus & Rail
343	/Travel & Transportation/Luggage & Travel Accessories
623	/Travel & Transportation/Luggage & Travel Accessories/Backpacks & Utility Bags
624	/Travel & Transportation/Luxury Travel
625	/Travel & Transportation/Mountain & Ski Resorts
626	/Travel & Transportation/Travel Agencies & Services
627	/Travel & Transportation/Travel Agencies & Services/Guided Tours & Escorted Vacations
628	/Travel & Transportation/Travel Agencies & Services/Sightseeing Tours
629	/Travel & Transportation/Travel Agencies & Services/Vacation Offers`;
  const TOPICS = TOPICS_TSV.split('\n').map((line) => {
    const [id, path] = line.split('\t');
    return { id: Number(id), path, name: path.split('/').pop() };
  });
  const topicById = new Map(TOPICS.map((t) => [t.id, t]));

  // ---- the catalog, as crates/core/src/catalog.rs and dto.rs describe it ----
  const field = (name, kind, sensitivity, modes, description, example, editable = true) =>
    ({ name, kind, sensitivity, modes, description, example, editable });
  const CATALOG = [
    field('birth_date', 'date', 'ordinary', ['exact', 'coarse', 'answer'], 'date of birth, YYYY-MM-DD', '1988-06-14'),
    field('gender', 'text', 'ordinary', ['exact', 'answer'], "gender, in the owner's words", 'woman'),
    field('language', 'language_tag', 'ordinary', ['exact'], 'preferred language, a BCP 47 tag such as en-GB', 'en-GB'),
    field('home.country', 'country_code', 'ordinary', ['exact'], 'country of residence, ISO 3166-1 alpha-2 code such as FR', 'GB'),
    field('home.region', 'text', 'ordinary', ['exact'], 'region, state or province', 'England'),
    field('home.city', 'text', 'ordinary', ['exact', 'coarse'], 'city or town', 'Bristol'),
    field('home.postcode', 'postcode', 'ordinary', ['exact', 'coarse'], 'postcode', 'BS1 4DJ'),
    field('household.size', 'count', 'ordinary', ['exact', 'coarse'], 'people in the household, 1 to 20', '3'),
    field('household.children_ages', 'ages', 'ordinary', ['exact', 'coarse', 'answer'], "children's ages, comma-separated, 0 to 25", '4, 7'),
    field('sizes.clothing', 'clothing_size', 'ordinary', ['exact'], 'clothing size: XXS to 5XL, or EU 28 to 70', 'EU 40'),
    field('sizes.shoe', 'shoe_size', 'ordinary', ['exact'], 'shoe size: EU 16-52, UK 0-17 or US 1-18 (halves allowed)', 'UK 8'),
    field('contact.email', 'email', 'contact', ['exact'], 'e-mail address', 'me@example.org'),
    field('interests', 'interests', 'ordinary', ['exact', 'coarse', 'answer'], 'interests on the Topics taxonomy or free text', '', false),
    field('offer_preferences', 'offer_preferences', 'ordinary', ['exact', 'answer'], 'which offers are welcome, how, how often and when', '', false),
    field('shopping.decision_style', 'decision_style', 'ordinary', ['exact'], 'how the owner decides: compare, quick, loyal or deals', 'compare, quick or loyal'),
    field('health', 'text', 'special', ['answer'], 'health information (special category)', 'a free-text note'),
    field('religion', 'text', 'special', ['answer'], 'religion or belief (special category)', 'free text'),
    field('politics', 'text', 'special', ['answer'], 'political opinion (special category)', 'free text'),
  ];
  const catalogField = (name) => CATALOG.find((f) => f.name === name);

  // A few countries are enough for the fake: the real one knows every ISO 3166-1 code.
  const COUNTRIES = new Set(['AT', 'AU', 'BE', 'BR', 'CA', 'CH', 'CN', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'IE', 'IN', 'IT', 'JP', 'NL', 'NO', 'NZ', 'PL', 'PT', 'SE', 'US']);
  const CLOTHING = ['XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL', '4XL', '5XL'];

  function text(input, max) {
    if (input === '') throw 'must not be empty (use `unset` to remove a value)';
    if (/[\u0000-\u001f\u007f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(input)) {
      throw 'must not contain control, invisible or text-direction characters';
    }
    const len = [...input].length;
    if (len > max) throw `is ${len} characters long; at most ${max} are allowed`;
    return input;
  }

  /** Field.parse: the owner's text for a field, normalised, or a thrown reason. */
  function parse(f, raw) {
    const input = raw.trim();
    switch (f.kind) {
      case 'date': {
        const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
        const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
        if (!m || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) {
          throw `\`${input}\` is not a real date in the form YYYY-MM-DD`;
        }
        if (input > today()) throw `${input} is in the future`;
        if (+m[1] < 1900) throw `${input} is before 1900`;
        return input;
      }
      case 'text':
        return text(input, f.sensitivity === 'special' ? 500 : 100);
      case 'language_tag':
        if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(input)) {
          throw `\`${input}\` is not a BCP 47 language tag (invalid language subtag)`;
        }
        return input;
      case 'country_code': {
        const upper = input.toUpperCase();
        if (upper.length !== 2) throw `\`${input}\` is not a two-letter ISO 3166-1 country code`;
        if (!COUNTRIES.has(upper)) throw `\`${input}\` is not an ISO 3166-1 country code`;
        return upper;
      }
      case 'postcode': {
        const value = text(input, 12);
        if (!/^[A-Za-z0-9 -]+$/.test(value)) throw 'may hold only letters, digits, spaces and hyphens';
        return value.toUpperCase();
      }
      case 'count': {
        if (!/^\d+$/.test(input) || +input > 255) throw `\`${input}\` is not a whole number`;
        const n = +input;
        if (n < 1 || n > 20) throw `${n} is out of range 1 to 20`;
        return String(n);
      }
      case 'ages': {
        const ages = input.split(',').map((part) => {
          const p = part.trim();
          if (!/^\d+$/.test(p) || +p > 255) throw `\`${p}\` is not an age in years`;
          if (+p > 25) throw `${+p} is out of range 0 to 25`;
          return +p;
        });
        if (ages.length > 12) throw 'at most 12 ages are allowed';
        return ages.sort((a, b) => a - b).join(', ');
      }
      case 'clothing_size': {
        const upper = input.toUpperCase();
        if (CLOTHING.includes(upper)) return upper;
        const numeric = upper.startsWith('EU') ? upper.slice(2).trim() : upper;
        if (/^\d+$/.test(numeric) && +numeric >= 28 && +numeric <= 70) return `EU ${+numeric}`;
        throw `\`${input}\` is not a size from XXS to 5XL or EU 28 to 70`;
      }
      case 'shoe_size': {
        const upper = input.toUpperCase();
        const [system, number] = upper.includes(' ') ? [upper.split(' ')[0], upper.split(' ').slice(1).join(' ').trim()] : ['EU', upper];
        const ranges = { EU: [16, 52], UK: [0, 17], US: [1, 18] };
        if (!ranges[system]) throw `\`${system}\` is not a sizing system (EU, UK or US)`;
        const n = Number(number);
        if (number === '' || Number.isNaN(n)) throw `\`${number}\` is not a size`;
        const [min, max] = ranges[system];
        if (n < min || n > max || (n * 2) % 1 !== 0) {
          throw `${system} ${number} is not a shoe size (${system} ${min} to ${max}, whole or half)`;
        }
        return `${system} ${n}`;
      }
      case 'email':
        if (input.length > 254) throw 'is longer than 254 characters';
        if (!/^[^\s@<>()[\]]+@[^\s@.<>]+(\.[^\s@.<>]+)+$/.test(input)) {
          throw `\`${input}\` is not an e-mail address (Missing separator character '@'.)`;
        }
        return input;
      case 'decision_style':
        if (!['compare', 'quick', 'loyal', 'deals'].includes(input)) throw 'must be one of compare, quick, loyal, deals';
        return input;
      default:
        throw 'is not edited as a value';
    }
  }

  // ---- interests ----
  function interestView(i) {
    const t = today();
    let status = 'active';
    let status_text = 'active';
    let snoozed_until = null;
    if (i.one_off) [status, status_text] = ['one_off', 'one-off'];
    else if (i.state === 'off') [status, status_text] = ['off', 'off'];
    else if (i.expires && i.expires <= t) [status, status_text] = ['expired', `expired on ${i.expires}`];
    else if (i.state === 'snoozed' && i.until > t) {
      [status, status_text, snoozed_until] = ['snoozed', `snoozed until ${i.until}`, i.until];
    }
    const topic = i.topic === null ? null : topicById.get(i.topic);
    return {
      id: i.id,
      topic: i.topic,
      label: topic ? topic.path : i.text,
      weight: i.weight,
      source: i.source,
      status,
      status_text,
      snoozed_until,
      expires: i.expires,
      one_off: i.one_off,
      added: i.added,
    };
  }

  function newInterest({ topic = null, text: words = null, weight = 0.5, expires = null, one_off = false, source = 'stated' }) {
    if ((topic === null) === (words === null)) invalid('interest', 'choose a topic or type a few words, not both');
    if (topic !== null && !topicById.has(topic)) invalid('interests', `${topic} is not a topic id of the Topics taxonomy`);
    if (words !== null) {
      try {
        text(words.trim(), 80);
      } catch (reason) {
        invalid('interests', reason);
      }
    }
    if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) invalid('interests', `weight ${weight} is not between 0 and 1`);
    if (expires !== null && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) invalid('expires', `\`${expires}\` is not a date (YYYY-MM-DD)`);
    const interest = {
      id: state.nextInterestId++,
      topic,
      text: words === null ? null : words.trim(),
      weight,
      source,
      state: 'active',
      until: null,
      expires,
      one_off,
      added: today(),
    };
    state.interests.push(interest);
    return interest;
  }

  const findInterest = (id) => state.interests.find((i) => i.id === id) ?? fail('not_found', `no interest ${id}`);

  // ---- offer preferences ----
  const KINDS = ['discount', 'new-product', 'back-in-stock', 'price-drop', 'event', 'loyalty-reward', 'newsletter'];
  const CHANNELS = ['butler-inbox', 'email', 'sms', 'push', 'post', 'phone'];
  const TACTICS = ['countdown-urgency', 'scarcity-claims', 'recently-viewed', 'family-mentions', 'social-proof', 'preselected-extras'];

  function checkPrefs(p) {
    const vocab = (name, values, allowed) => {
      for (const v of values) if (!allowed.includes(v)) invalid(name, `\`${v}\` is not one of ${allowed.join(', ')}`);
    };
    const quiet = [p.quiet_start, p.quiet_end];
    if ((quiet[0] === null) !== (quiet[1] === null)) {
      invalid('quiet_end', 'give both the start and the end of the quiet hours, or neither');
    }
    for (const [name, value] of [['quiet_start', p.quiet_start], ['quiet_end', p.quiet_end]]) {
      if (value !== null && !/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) invalid(name, `\`${value}\` is not a time of day (HH:MM)`);
    }
    vocab('kinds_wanted', p.kinds_wanted, KINDS);
    vocab('kinds_unwanted', p.kinds_unwanted, KINDS);
    vocab('channels', p.channels, CHANNELS);
    vocab('unwelcome_tactics', p.unwelcome_tactics, TACTICS);
    const both = p.kinds_wanted.find((k) => p.kinds_unwanted.includes(k));
    if (both) invalid('offer_preferences', `\`${both}\` cannot be both wanted and unwanted`);
    if (p.channels.length === 0) invalid('offer_preferences', 'at least one channel is needed (butler-inbox is the quietest)');
    try {
      new Intl.DateTimeFormat('en', { timeZone: p.time_zone.trim() });
      if (p.time_zone.trim() === '') throw new RangeError();
    } catch {
      invalid('offer_preferences', `\`${p.time_zone}\` is not an IANA time zone such as Europe/Paris`);
    }
    for (const [what, brand, all] of [['day', p.per_brand_per_day, p.overall_per_day], ['week', p.per_brand_per_week, p.overall_per_week]]) {
      if (brand !== null && all !== null && brand > all) {
        invalid('offer_preferences', `the per-brand cap per ${what} (${brand}) exceeds the overall cap (${all})`);
      }
    }
  }

  const sorted = (values, order) => [...new Set(values)].sort((a, b) => order.indexOf(a) - order.indexOf(b));

  // ---- settings and files ----
  const EXPORT_DIR = '/home/owner/Downloads';

  /** Emits the task's progress steps with a pause after each, as the Rust side's work would. */
  async function steps(task, list, total) {
    for (const [done, step] of list) {
      emit('progress', { task, step, done, total });
      await sleep(state.progressDelayMs);
    }
  }

  function snapshot() {
    return JSON.parse(JSON.stringify({ profile: state.profile, interests: state.interests, offerPrefs: state.offerPrefs }));
  }

  // ---- the sample owner: a profile partly filled in, interests in every state, preferences,
  // offers with each decision, and suggestions waiting and decided ----
  Object.assign(state, {
    profile: {
      birth_date: '1988-06-14',
      language: 'en-GB',
      'home.country': 'GB',
      'home.city': 'Bristol',
      'home.postcode': 'BS1 4DJ',
      'household.size': '3',
      'household.children_ages': '4, 7',
      'sizes.shoe': 'UK 8',
      'contact.email': 'sam@example.org',
      'shopping.decision_style': 'compare',
    },
    nextInterestId: 6,
    interests: [
      { id: 1, topic: 323, text: null, weight: 0.8, source: 'stated', state: 'active', until: null, expires: null, one_off: false, added: '2026-03-02' },
      { id: 2, topic: null, text: 'Sourdough baking', weight: 0.6, source: 'stated', state: 'active', until: null, expires: dayFromToday(60), one_off: false, added: '2026-05-19' },
      { id: 3, topic: 29, text: null, weight: 0.5, source: 'stated', state: 'snoozed', until: dayFromToday(12), expires: null, one_off: false, added: '2026-01-11' },
      { id: 4, topic: 399, text: null, weight: 0.4, source: 'Northwind Books', state: 'off', until: null, expires: null, one_off: false, added: '2026-08-30' },
      { id: 5, topic: null, text: 'Tricycle (a gift for my niece)', weight: 0.3, source: 'stated', state: 'active', until: null, expires: null, one_off: true, added: '2026-09-14' },
    ],
    offerPrefs: {
      kinds_wanted: ['discount', 'new-product', 'back-in-stock'],
      kinds_unwanted: ['newsletter'],
      channels: ['butler-inbox', 'email'],
      per_brand_per_day: 1,
      per_brand_per_week: 3,
      overall_per_day: 5,
      overall_per_week: 15,
      quiet_start: '21:00',
      quiet_end: '08:00',
      time_zone: 'Europe/London',
      unwelcome_tactics: ['countdown-urgency', 'recently-viewed', 'family-mentions'],
    },
    offers: [
      {
        id: 105, brand: 'Acme Running', received_at: hoursAgo(2), decision: 'delivered', not_before: null,
        reason: 'within your preferences', kind: 'discount', channel: 'butler-inbox',
        title: 'Trail shoes: 20% off for members this week',
        body: 'Our new trail range is 20% off until Sunday, in your size (UK 8). Free returns within 60 days.',
        url: 'https://acme-running.example/offers/trail-20', tactics: [],
      },
      {
        id: 104, brand: 'Acme Running', received_at: hoursAgo(5), decision: 'deferred', not_before: nextLocal(8),
        reason: 'quiet hours (21:00-08:00)', kind: 'back-in-stock', channel: 'butler-inbox',
        title: 'Back in stock: Cloudrunner 3',
        body: 'The Cloudrunner 3 you saved is available again in UK 8.',
        url: 'https://acme-running.example/cloudrunner-3', tactics: [],
      },
      {
        id: 103, brand: 'Flashy Deals', received_at: hoursAgo(20), decision: 'declined', not_before: null,
        reason: 'the sms channel is not allowed', kind: 'discount', channel: 'sms',
        title: 'LAST CHANCE: 70% off everything', body: 'Only 2 hours left! Reply YES to claim.',
        url: null, tactics: ['countdown-urgency'],
      },
      {
        id: 102, brand: 'Northwind Books', received_at: hoursAgo(30), decision: 'delivered', not_before: null,
        reason: 'within your preferences', kind: 'new-product', channel: 'email',
        title: 'A new translation of Middlemarch',
        body: 'A new annotated edition is out next month. Members can pre-order at the launch price.',
        url: 'https://northwind-books.example/middlemarch', tactics: [],
      },
      {
        id: 101, brand: 'Toy Planet', received_at: hoursAgo(75), decision: 'declined', not_before: null,
        reason: 'it uses an unwelcome tactic (family-mentions)', kind: 'event', channel: 'butler-inbox',
        title: 'Your kids would love our Saturday workshop', body: 'Bring the whole family to build a wooden train.',
        url: 'http://toy-planet.example/workshop', tactics: ['family-mentions', 'social-proof'],
      },
    ],
    suggestions: [
      { id: 3, brand: 'Acme Running', received_at: hoursAgo(3), event: 'purchase', topic: 586, one_off_hint: false, status: 'pending' },
      { id: 2, brand: 'Toy Planet', received_at: hoursAgo(50), event: 'purchase', topic: 608, one_off_hint: true, status: 'pending' },
      { id: 1, brand: 'Northwind Books', received_at: hoursAgo(24 * 40), event: 'wishlist', topic: 399, one_off_hint: false, status: 'accepted' },
    ],
    settings: { auto_lock_minutes: 10, api_port: 7373, log_retention_days: 365 },
    apiProblem: null,
    logEntries: 2345,
    progressDelayMs: 300,
    // Files written by exports, by path; one older backup is there to import.
    files: {
      [`${EXPORT_DIR}/butler-profile-backup.butler`]: { sealed: true, passphrase: 'lantern quietly orbit marmalade', content: null },
    },
  });

  const suggestionView = (s) => {
    const topic = s.topic === null ? null : topicById.get(s.topic);
    return { id: s.id, brand: s.brand, received_at: s.received_at, event: s.event, topic: s.topic, label: topic ? topic.path : s.text, one_off_hint: s.one_off_hint, status: s.status };
  };

  return {
    // -- profile --
    profile_fields: () => {
      requireUnlocked();
      return CATALOG.map((f) => ({ ...f, value: f.editable ? (state.profile[f.name] ?? null) : null }));
    },

    set_field: ({ name, value }) => {
      requireUnlocked();
      const f = catalogField(name);
      if (!f) invalid('field', `\`${name}\` is not a field of the catalog (see \`butler profile fields\`)`);
      let parsed;
      try {
        parsed = parse(f, String(value ?? ''));
      } catch (reason) {
        invalid(name, reason);
      }
      state.profile[name] = parsed;
      return { ...f, value: parsed };
    },

    unset_field: ({ name }) => {
      requireUnlocked();
      const f = catalogField(name);
      if (!f) invalid('field', `\`${name}\` is not a field of the catalog (see \`butler profile fields\`)`);
      delete state.profile[name];
      return { ...f, value: null };
    },

    // -- interests --
    interests: () => {
      requireUnlocked();
      return state.interests.map(interestView);
    },

    add_interest: ({ interest }) => {
      requireUnlocked();
      return interestView(newInterest({ ...interest, source: 'stated' }));
    },

    change_interest: ({ id, change }) => {
      requireUnlocked();
      const i = findInterest(id);
      switch (change.change) {
        case 'switch_on':
          Object.assign(i, { state: 'active', until: null });
          break;
        case 'switch_off':
          Object.assign(i, { state: 'off', until: null });
          break;
        case 'snooze':
          if (!/^\d{4}-\d{2}-\d{2}$/.test(change.until ?? '')) invalid('until', `\`${change.until}\` is not a date (YYYY-MM-DD)`);
          if (change.until <= today()) invalid('until', 'snooze until a day after today');
          Object.assign(i, { state: 'snoozed', until: change.until });
          break;
        case 'expire':
          if (change.on !== null && !/^\d{4}-\d{2}-\d{2}$/.test(change.on)) invalid('on', `\`${change.on}\` is not a date (YYYY-MM-DD)`);
          i.expires = change.on;
          break;
        case 'one_off':
          i.one_off = change.one_off;
          break;
        case 'weight':
          if (!(change.weight >= 0 && change.weight <= 1)) invalid('interests', `weight ${change.weight} is not between 0 and 1`);
          i.weight = change.weight;
          break;
        default:
          fail('internal', `unknown change ${JSON.stringify(change)}`);
      }
      return interestView(i);
    },

    remove_interest: ({ id }) => {
      requireUnlocked();
      findInterest(id);
      state.interests = state.interests.filter((i) => i.id !== id);
      return null;
    },

    search_topics: ({ query }) => {
      const words = String(query).toLowerCase().split(/\s+/).filter(Boolean);
      return TOPICS.filter((t) => words.every((w) => t.path.toLowerCase().includes(w)))
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .slice(0, 50)
        .map((t) => ({ id: t.id, name: t.name, path: t.path }));
    },

    // -- offer preferences --
    offer_prefs: () => {
      requireUnlocked();
      return { ...state.offerPrefs };
    },

    set_offer_prefs: ({ prefs }) => {
      requireUnlocked();
      checkPrefs(prefs);
      state.offerPrefs = {
        ...prefs,
        kinds_wanted: sorted(prefs.kinds_wanted, KINDS),
        kinds_unwanted: sorted(prefs.kinds_unwanted, KINDS),
        channels: sorted(prefs.channels, CHANNELS),
        unwelcome_tactics: sorted(prefs.unwelcome_tactics, TACTICS),
        time_zone: prefs.time_zone.trim(),
      };
      return { ...state.offerPrefs };
    },

    offer_vocabulary: () => ({ kinds: KINDS, channels: CHANNELS, tactics: TACTICS }),

    // -- inbox and suggestions --
    inbox: ({ limit }) => {
      requireUnlocked();
      return state.offers.slice(0, limit);
    },

    suggestions: () => {
      requireUnlocked();
      return state.suggestions.map(suggestionView);
    },

    decide_suggestion: ({ id, decision, weight }) => {
      requireUnlocked();
      const s = state.suggestions.find((x) => x.id === id) ?? fail('not_found', `no suggestion ${id}`);
      const status = { accept: 'accepted', one_off: 'one_off', reject: 'rejected' }[decision];
      if (!status) invalid('decision', `\`${decision}\` is not accept, one_off or reject`);
      if (s.status !== 'pending') fail('conflict', `suggestion ${id} is already decided`);
      if (status !== 'rejected') {
        newInterest({ topic: s.topic, text: s.topic === null ? s.text : null, weight: weight ?? 0.5, one_off: status === 'one_off', source: s.brand });
      }
      s.status = status;
      return null;
    },

    // -- settings --
    settings: () => {
      requireUnlocked();
      return { ...state.settings };
    },

    set_settings: ({ settings }) => {
      requireUnlocked();
      const days = settings.log_retention_days;
      if (days !== null && (days < 1 || days > 36525)) {
        throw { code: 'access_log', message: 'access log: keep entries from 1 to 36525 days, or forever', field: 'log_retention_days' };
      }
      if (!(settings.auto_lock_minutes >= 1 && settings.auto_lock_minutes <= 1440)) invalid('auto_lock_minutes', 'lock after 1 to 1440 minutes');
      if (!(settings.api_port >= 1024 && settings.api_port <= 65535)) invalid('api_port', 'the port must be from 1024 to 65535');
      state.settings = { ...settings };
      return { ...state.settings };
    },

    api_status: () => {
      if (!state.unlocked) return null;
      const port = state.settings.api_port;
      return state.apiProblem
        ? { serving: false, port, url: null, problem: state.apiProblem }
        : { serving: true, port, url: `http://127.0.0.1:${port}`, problem: null };
    },

    change_passphrase: async ({ current, new: next }) => {
      requireUnlocked();
      await sleep(state.kdfDelayMs);
      if (current !== state.passphrase) fail('wrong_passphrase', 'wrong passphrase');
      if ([...(next ?? '')].length < 12) fail('weak_passphrase', 'the passphrase is too short: use at least 12 characters');
      state.passphrase = next;
      return null;
    },

    // -- data in and out --
    default_export_dir: () => EXPORT_DIR,

    // The system's file chooser (Tauri's dialog plugin): the path the "owner" picks, or null
    // for a cancelled chooser.
    'plugin:dialog|save': ({ options }) => {
      state.lastChooser = options;
      return state.chooserPath ?? null;
    },
    'plugin:dialog|open': ({ options }) => {
      state.lastChooser = options;
      return state.chooserPath ?? null;
    },

    export_profile: async ({ path, passphrase }) => {
      requireUnlocked();
      const file = String(path ?? '').trim();
      if (file === '') invalid('path', 'choose where to save the file');
      if (file.endsWith('/')) invalid('path', 'that is a folder: give a file name');
      const list = [[0, 'Reading the profile']];
      if (passphrase !== null) list.push([1, 'Sealing the file (deriving its key)']);
      list.push([2, 'Writing the file']);
      await steps('export_profile', list, 3);
      state.files[file] = { sealed: passphrase !== null, passphrase, content: snapshot() };
      emit('progress', { task: 'export_profile', step: 'Done', done: 3, total: 3 });
      return { path: file, bytes: passphrase !== null ? 6214 : 4870, entries: null };
    },

    import_profile: async ({ path, passphrase, replace }) => {
      requireUnlocked();
      const file = String(path ?? '').trim();
      emit('progress', { task: 'import_profile', step: 'Reading the file', done: 0, total: 3 });
      await sleep(state.progressDelayMs);
      const found = state.files[file];
      if (!found) invalid('path', `cannot read ${file}: No such file or directory (os error 2)`);
      if (found.sealed) {
        if (passphrase === null) invalid('passphrase', 'this export is sealed: give its passphrase');
        emit('progress', { task: 'import_profile', step: 'Opening the sealed file (deriving its key)', done: 1, total: 3 });
        await sleep(state.progressDelayMs);
        if (passphrase !== found.passphrase) fail('export_file', 'export file: wrong passphrase, or the file was altered');
      }
      emit('progress', { task: 'import_profile', step: 'Checking and saving every value', done: 2, total: 3 });
      await sleep(state.progressDelayMs);
      const hasProfile = Object.keys(state.profile).length > 0 || state.interests.length > 0;
      if (hasProfile && !replace) {
        fail('profile_not_empty', 'the vault already holds a profile; import with --replace to overwrite it');
      }
      const content = found.content ?? snapshot();
      Object.assign(state, JSON.parse(JSON.stringify(content)));
      emit('progress', { task: 'import_profile', step: 'Done', done: 3, total: 3 });
      return { fields: Object.keys(content.profile).length, interests: content.interests.length, offer_preferences: true };
    },

    export_log: async ({ path, format }) => {
      requireUnlocked();
      const file = String(path ?? '').trim();
      if (file === '') invalid('path', 'choose where to save the file');
      if (!['jsonl', 'csv'].includes(format)) invalid('format', `\`${format}\` is not jsonl or csv`);
      // The total is unknown until the end: the count so far, every thousand entries.
      const list = [];
      for (let n = 0; n < state.logEntries; n += 1000) list.push([n, 'Writing entries']);
      await steps('export_log', list, null);
      emit('progress', { task: 'export_log', step: 'Done', done: state.logEntries, total: state.logEntries });
      state.files[file] = { sealed: false, passphrase: null, content: null };
      return { path: file, bytes: state.logEntries * (format === 'csv' ? 212 : 486), entries: state.logEntries };
    },
  };
});
